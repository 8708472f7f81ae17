/**
 * Doc text as a reader sees it, not as its markup is written: what hovers and source headings show. reStructuredText
 * labels, directives and their options, roles (`:class:` with `~` showing the last name), MyST targets, roles and
 * directive fences, and HTML comments are removed or reduced to their text. Code stays as it is.
 */
export function plainDocText(text: string): string {
  const out: string[] = [];
  let inComment = false;
  let afterDirective = false;
  let openFence: string | undefined;
  for (const line of text.replace(/<!--[\s\S]*?-->/g, '').split('\n')) {
    if (inComment) {
      if (line.includes('-->')) inComment = false;
      continue;
    }
    if (line.includes('<!--')) {
      inComment = true;
      const before = line.slice(0, line.indexOf('<!--'));
      if (before.trim()) out.push(plainInline(before));
      continue;
    }
    // `.. _label:`, `.. directive:: args`, `.. |sub| replace::`, and a directive's `:option: value` lines.
    if (/^\s*\.\.\s+(_[^:]+:|[\w:|-]+\s*::|\|[^|]+\|\s+[\w-]+::)/.test(line) || /^\s*\.\.\s*$/.test(line)) {
      afterDirective = true;
      continue;
    }
    if (afterDirective && /^\s+:[\w -]+:(\s|$)/.test(line)) continue;
    afterDirective = false;
    // MyST: `(label)=` targets and ```{directive} / :::{directive} fences.
    if (/^\s*\([\w.-]+\)=\s*$/.test(line)) continue;
    const fence = /^\s*(`{3,}|:{3,})\{[\w:-]+\}/.exec(line);
    if (fence) {
      openFence = fence[1];
      continue;
    }
    if (openFence && line.trim() === openFence) {
      openFence = undefined;
      continue;
    }
    out.push(plainInline(line));
  }
  return out.join('\n');
}

/** A heading or a quoted sentence as text, on one line: its roles, literals and relative links reduced to their words. */
export function plainInlineText(text: string): string {
  return plainInline(text).replace(/\s+/g, ' ').trim();
}

function plainInline(text: string): string {
  return (
    text
      // :role:`~a.b.C` → C; :role:`title <target>` → title; :role:`text` → text (also MyST {role}`text`)
      .replace(/(?::[\w:-]+:|\{[\w:-]+\})`([^`]+)`/g, (_, inner: string) => {
        const titled = /^(.*?)\s*<[^>]+>$/.exec(inner);
        if (titled && titled[1]) return titled[1];
        return inner.startsWith('~') ? (inner.slice(1).split('.').pop() ?? inner) : inner;
      })
      // ``literal`` → `literal`; `title <url>`_ → title
      .replace(/``([^`]+)``/g, '`$1`')
      .replace(/`([^`<]+?)\s*<[^>]+>`_{1,2}/g, '$1')
      .replace(/`([^`]+)`_{1,2}/g, '$1')
      // [text](other-page) → text: a link within the docs site leads nowhere from here (web links are kept).
      .replace(/\[([^\]\n]+)\]\((?!https?:|mailto:)[^()\s]*\)/g, '$1')
  );
}
