import MarkdownIt from 'markdown-it';
import { type Outline, type SourceLine, plainHeading, sectionsFromHeadings, slugify } from './outline';

const parser = new MarkdownIt({ html: true });
// The outline needs block structure only (headings, fences, tables, HTML blocks) and a heading's raw text, which
// the block pass already records: skipping the inline pass halves the parse of a large file.
parser.core.ruler.disable(['inline', 'linkify', 'replacements', 'smartquotes', 'text_join'], true);

/** Outlines CommonMark with front matter, tolerating MyST `(label)=` targets and DocFX/kramdown `{#id}` anchors. */
export function outlineMarkdown(lines: SourceLine[]): Outline {
  const texts = lines.map((l) => l.text);
  const atomic: Array<[number, number]> = [];
  const frontMatter = findFrontMatter(texts);
  let rootTitle: string | undefined;
  if (frontMatter) {
    atomic.push([frontMatter.start, frontMatter.end]);
    rootTitle = frontMatter.title;
    // Blank the front matter so the parser does not read `---` as a rule or a setext underline.
    for (let i = frontMatter.start; i <= frontMatter.end; i++) texts[i] = '';
  }
  const tokens = parser.parse(texts.join('\n'), {});
  const headings: Array<{ index: number; bodyStart: number; level: number; title: string; anchor: string }> = [];
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t];
    if (token.level !== 0 || !token.map) continue;
    const [start, endExclusive] = token.map;
    if (token.type === 'heading_open') {
      const raw = tokens[t + 1]?.content ?? '';
      const title = plainHeading(raw);
      headings.push({
        index: start,
        bodyStart: endExclusive,
        level: Number(token.tag.slice(1)),
        title,
        anchor: headingAnchor(raw, title, texts, start),
      });
    } else if (token.type === 'fence' || token.type === 'code_block' || token.type === 'table_open' || token.type === 'html_block') {
      atomic.push([start, Math.min(endExclusive, lines.length) - 1]);
    }
  }
  const sections = sectionsFromHeadings(lines.length, headings, rootTitle);
  // A preamble that is only front matter joins the first section, whose title it usually describes.
  if (
    frontMatter &&
    sections.length > 1 &&
    sections[0].start === 0 &&
    texts.slice(frontMatter.end + 1, sections[0].end + 1).every((t) => !t.trim())
  ) {
    sections[0].bodyStart = sections[0].end + 1;
  }
  return { lines, sections, atomic };
}

function headingAnchor(raw: string, title: string, texts: string[], index: number): string {
  const explicit = /\{#([^}\s]+)\}\s*$/.exec(raw) ?? /<a\s+(?:name|id)=["']([^"']+)["'][^>]*>/i.exec(raw);
  if (explicit) return explicit[1];
  // MyST puts a `(target)=` line right above the heading it names.
  for (let i = index - 1; i >= 0 && i >= index - 3; i--) {
    const myst = /^\(([^)\s]+)\)=\s*$/.exec(texts[i]);
    if (myst) return myst[1];
    if (texts[i].trim()) break;
  }
  return slugify(title);
}

function findFrontMatter(texts: string[]): { start: number; end: number; title?: string } | undefined {
  if (texts[0]?.trim() !== '---') return undefined;
  for (let i = 1; i < Math.min(texts.length, 500); i++) {
    const line = texts[i].trim();
    if (line === '---' || line === '...') {
      let title: string | undefined;
      for (let j = 1; j < i; j++) {
        const match = /^title\s*:\s*(.+)$/.exec(texts[j]);
        if (match) title = match[1].trim().replace(/^(['"])(.*)\1$/, '$2');
      }
      return { start: 0, end: i, title: title || undefined };
    }
  }
  return undefined;
}
