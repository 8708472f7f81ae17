import { type Outline, type SourceLine, sectionsFromHeadings, slugify } from './outline';

const ADORNMENT = /^([!-/:-@[-`{-~])\1{2,}\s*$/;

/** Outlines reStructuredText: underlined and overlined section titles, `.. _label:` targets, literal blocks and directives. */
export function outlineRst(lines: SourceLine[]): Outline {
  const texts = lines.map((l) => l.text);
  const styles: string[] = [];
  const headings: Array<{ index: number; sectionStart: number; bodyStart: number; level: number; title: string; anchor: string }> = [];
  for (let i = 0; i + 1 < texts.length; i++) {
    const title = texts[i];
    const under = texts[i + 1];
    if (!title.trim() || /^\s/.test(title) || ADORNMENT.test(title) || !ADORNMENT.test(under)) continue;
    if (under.trim().length < Math.min(title.trim().length, 3)) continue;
    // A list item or a directive followed by a rule is not a title.
    if (/^\.\.\s/.test(title)) continue;
    const over = i > 0 && texts[i - 1].trim() === under.trim() ? i - 1 : -1;
    const style = `${under.trim()[0]}${over >= 0 ? 'o' : 'u'}`;
    if (!styles.includes(style)) styles.push(style);
    const clean = title.trim().replace(/`+/g, '').replace(/\*+/g, '');
    headings.push({
      index: i,
      sectionStart: over >= 0 ? over : i,
      bodyStart: i + 2,
      level: styles.indexOf(style) + 1,
      title: clean,
      anchor: targetAbove(texts, over >= 0 ? over : i) ?? slugify(clean),
    });
    i++;
  }
  // Labels belong to the section they name, so move them out of the previous section.
  for (const heading of headings) {
    let start = heading.sectionStart;
    for (let j = start - 1; j >= 0; j--) {
      if (!texts[j].trim()) continue;
      if (/^\.\. _[^:]+:\s*$/.test(texts[j])) start = j;
      else break;
    }
    heading.sectionStart = start;
  }
  return { lines, sections: sectionsFromHeadings(lines.length, headings), atomic: indentedBlocks(texts) };
}

function targetAbove(texts: string[], index: number): string | undefined {
  for (let j = index - 1; j >= 0; j--) {
    if (!texts[j].trim()) continue;
    const match = /^\.\. _([^:]+):\s*$/.exec(texts[j]);
    return match ? match[1].trim() : undefined;
  }
  return undefined;
}

/** A line ending in `::` (literal block) or a directive, with the indented block under it. */
function indentedBlocks(texts: string[]): Array<[number, number]> {
  const blocks: Array<[number, number]> = [];
  for (let i = 0; i < texts.length; i++) {
    const line = texts[i];
    if (!/::\s*$/.test(line) && !/^\s*\.\. [\w:-]+::/.test(line)) continue;
    const indent = line.length - line.trimStart().length;
    let end = i;
    for (let j = i + 1; j < texts.length; j++) {
      const next = texts[j];
      if (!next.trim()) continue;
      if (next.length - next.trimStart().length > indent) end = j;
      else break;
    }
    if (end > i) {
      blocks.push([i, end]);
      i = end;
    }
  }
  return blocks;
}
