import { splitAtMarkers } from '../shared/citationMarkers';
import MarkdownIt from 'markdown-it';

/**
 * Markdown from the model and from the docs is untrusted. This renderer is the first of two guards (the second
 * is DOMPurify in the page, and the CSP behind both): raw HTML is escaped, not parsed; links keep only http(s)
 * and mailto targets and open through the host; images are never loaded, only named; `[n]` outside code
 * becomes a citation button.
 */
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

const SAFE_LINK = /^(https?:|mailto:)/i;

md.validateLink = (url: string) => SAFE_LINK.test(url.trim());

md.renderer.rules.image = (tokens, idx) => {
  const token = tokens[idx];
  const alt = md.utils.escapeHtml(token.content || 'image');
  const src = md.utils.escapeHtml(String(token.attrGet('src') ?? ''));
  return `<span class="image-placeholder" title="Images are not loaded">[image: ${alt}${src ? ` (${src})` : ''}]</span>`;
};

md.renderer.rules.link_open = (tokens, idx) => {
  const href = String(tokens[idx].attrGet('href') ?? '');
  return `<a class="external-link" data-href="${md.utils.escapeHtml(href)}" href="#" title="${md.utils.escapeHtml(href)}">`;
};

md.renderer.rules.fence = (tokens, idx) => {
  const token = tokens[idx];
  const language = md.utils.escapeHtml(token.info.trim().split(/\s+/)[0] ?? '');
  const code = md.utils.escapeHtml(token.content);
  return (
    `<div class="code-block"><div class="code-header"><span class="code-language">${language}</span>` +
    `<button class="copy-code" type="button" aria-label="Copy code" title="Copy code"><span class="codicon codicon-copy" aria-hidden="true"></span></button></div>` +
    `<pre><code>${code}</code></pre></div>`
  );
};
md.renderer.rules.code_block = md.renderer.rules.fence;

// `[3]` in prose (never in code) becomes a button that opens source 3. It runs before escaped characters join
// the text around them, so `\[3\]` (a doc's own bracketed number, quoted) stays text.
md.core.ruler.before('text_join', 'citations', (state) => {
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    const children: typeof block.children = [];
    for (const child of block.children) {
      const parts = child.type === 'text' ? splitAtMarkers(child.content) : [];
      if (!parts.some((part) => typeof part !== 'string')) {
        children.push(child);
        continue;
      }
      for (const part of parts) {
        const token = new state.Token(typeof part === 'string' ? 'text' : 'citation', '', 0);
        token.content = typeof part === 'string' ? part : String(part.n);
        children.push(token);
      }
    }
    block.children = children;
  }
});

md.renderer.rules.citation = (tokens, idx) => {
  const n = Number(tokens[idx].content);
  return `<button class="citation" type="button" data-n="${n}" aria-label="Open source ${n}">[${n}]</button>`;
};

export function renderMarkdown(markdown: string): string {
  return md.render(markdown);
}
