import { type Outline, type SourceLine, sectionsFromHeadings, slugify } from './outline';

/** Plain text: one section; paragraphs are the units. */
export function outlinePlain(lines: SourceLine[]): Outline {
  return { lines, sections: sectionsFromHeadings(lines.length, []), atomic: [] };
}

/** AsciiDoc: `=` headings, `[[id]]`/`[#id]` anchors, delimited listing blocks and tables kept whole. */
export function outlineAsciidoc(lines: SourceLine[]): Outline {
  const texts = lines.map((l) => l.text);
  const headings: Array<{ index: number; bodyStart: number; level: number; title: string; anchor: string }> = [];
  const atomic: Array<[number, number]> = [];
  for (let i = 0; i < texts.length; i++) {
    const delimiter = /^(-{4,}|\.{4,}|={4,}|\|===|\+{4,}|_{4,})\s*$/.exec(texts[i]);
    if (delimiter) {
      const close = texts.findIndex((t, j) => j > i && t.trim() === delimiter[1]);
      const end = close === -1 ? texts.length - 1 : close;
      atomic.push([i, end]);
      i = end;
      continue;
    }
    const heading = /^(={1,6})\s+(\S.*)$/.exec(texts[i]);
    if (!heading) continue;
    const title = heading[2].trim();
    const label = i > 0 ? /^\[\[([^\]]+)\]\]$|^\[#([^\]]+)\]$/.exec(texts[i - 1].trim()) : null;
    headings.push({ index: i, bodyStart: i + 1, level: heading[1].length, title, anchor: label ? (label[1] ?? label[2]) : slugify(title) });
  }
  return { lines, sections: sectionsFromHeadings(lines.length, headings), atomic };
}
