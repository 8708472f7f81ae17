/** A line of a document's text with the 1-based line of the file it appears on. */
export interface SourceLine {
  line: number;
  text: string;
}

/** A section of an outline: indices into `Outline.lines`, inclusive. */
export interface OutlineSection {
  start: number;
  end: number;
  headingPath: string[];
  anchor: string;
  /** First index after the heading's own lines; a section with no text from here on is only a heading. */
  bodyStart: number;
}

/**
 * The structure a chunker needs from any markup: the lines, the sections they fall in, and the ranges
 * (code blocks, tables, front matter) that should stay whole. Sections cover every line exactly once.
 */
export interface Outline {
  lines: SourceLine[];
  sections: OutlineSection[];
  /** Inclusive index ranges that should not be split unless they alone exceed the chunk size. */
  atomic: Array<[number, number]>;
}

export function toSourceLines(textLines: string[], firstLine = 1): SourceLine[] {
  return textLines.map((text, i) => ({ line: firstLine + i, text }));
}

/** GitHub-style heading slug: what most doc sites and Markdown previews use as the section's fragment. */
export function slugify(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Removes inline Markdown markup from a heading so the heading path reads as plain text. */
export function plainHeading(raw: string): string {
  return withoutHtmlTags(raw)
    .replace(/\s*\{#[^}]*\}\s*$/, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*_]/g, '')
    .replace(/\s+#+\s*$/, '')
    .trim();
}

/** Inline HTML tags (`<a name="x"></a>`, `<sup>`) removed, except inside code spans, where `<int>` is code. */
function withoutHtmlTags(text: string): string {
  return text
    .split(/(`+[^`]*`+)/)
    .map((part, i) => (i % 2 ? part : part.replace(/<\/?[A-Za-z][\w:-]*(\s[^<>]*)?\/?>/g, '')))
    .join('');
}

/**
 * Builds sections from heading positions: each heading opens a section that runs until the next heading;
 * lines before the first heading form a preamble.
 */
export function sectionsFromHeadings(
  lineCount: number,
  headings: Array<{ index: number; sectionStart?: number; bodyStart: number; level: number; title: string; anchor: string }>,
  rootTitle?: string,
): OutlineSection[] {
  const sections: OutlineSection[] = [];
  const stack: Array<{ level: number; title: string }> = [];
  const rootPath = rootTitle ? [rootTitle] : [];
  const firstStart = headings.length ? (headings[0].sectionStart ?? headings[0].index) : lineCount;
  if (firstStart > 0) sections.push({ start: 0, end: firstStart - 1, headingPath: rootPath, anchor: '', bodyStart: 0 });
  headings.forEach((heading, i) => {
    while (stack.length && stack[stack.length - 1].level >= heading.level) stack.pop();
    stack.push({ level: heading.level, title: heading.title });
    const start = heading.sectionStart ?? heading.index;
    const next = headings[i + 1];
    const end = next ? (next.sectionStart ?? next.index) - 1 : lineCount - 1;
    const path = stack.map((s) => s.title);
    // A front-matter title only heads the path when the document has no top-level heading of its own.
    const headingPath = rootTitle && stack[0].level > 1 ? [rootTitle, ...path] : path;
    sections.push({ start, end, headingPath, anchor: heading.anchor, bodyStart: heading.bodyStart });
  });
  return sections.filter((s) => s.end >= s.start);
}
