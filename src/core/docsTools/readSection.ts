import { outlineDocument } from '../chunking/chunkDocument';
import { type DocFolder, type DocLines, docLinesOf, readAllowedDoc, withSecretsRedacted } from './readDocLines';
import { ToolInputError } from './toolInputError';
import { parseMaxTokens } from './tokenBudget';
import { parseLocation } from '../../shared/citationMarkers';

/** Which section to read: the one holding a cited line, or the one with an anchor. */
export interface ReadSectionInput {
  path: string;
  /** A line inside the section (the start of a citation). */
  line?: number;
  /** The section's anchor, as search results give it (`configure-retries`, with or without `#`). */
  anchor?: string;
  maxTokens?: number;
}

/** A section read whole, with where it sits in the doc. */
export interface DocSection extends DocLines {
  headingPath: string[];
  anchor: string;
}

/** Sections are long at times: without a budget, one read returns at most this many tokens. */
export const DEFAULT_SECTION_TOKENS = 4000;

/** Accepts `{citation: "path:12-20"}`, `{path, line}` or `{path, anchor}`. */
export function parseSectionInput(input: unknown): ReadSectionInput {
  const value = (input ?? {}) as Record<string, unknown>;
  const maxTokens = parseMaxTokens(value.maxTokens);
  if (typeof value.citation === 'string' && value.citation.trim()) {
    const location = parseLocation(value.citation);
    if (!location) throw new ToolInputError('citation must be "path:start-end", as search results give it');
    return { path: location.path, line: location.startLine, maxTokens };
  }
  if (typeof value.path !== 'string' || !value.path.trim())
    throw new ToolInputError('give a citation ("path:start-end"), or a path with a line or an anchor');
  const line = value.line;
  if (line !== undefined && (typeof line !== 'number' || !Number.isInteger(line) || line < 1))
    throw new ToolInputError('line must be a line number from 1');
  const anchor = typeof value.anchor === 'string' && value.anchor.trim() ? value.anchor.trim().replace(/^#/, '') : undefined;
  if (line === undefined && !anchor) throw new ToolInputError('give the section by a line inside it or by its anchor');
  return { path: value.path.trim(), line: line as number | undefined, anchor, maxTokens };
}

/**
 * The whole section a citation points into (or that has an anchor), its subsections included, from the file as it
 * is now, under the same rules as every docs read; capped by a token budget, with its own citation.
 */
export async function readSection(folders: DocFolder[], input: ReadSectionInput): Promise<DocSection> {
  const doc = await readAllowedDoc(folders, input.path);
  const outline = outlineDocument(doc.relPath, doc.raw);
  const lineOf = (index: number) => outline.lines[index].line;
  const sections = outline.sections.filter((s) => outline.lines[s.start]);
  const at =
    input.anchor !== undefined
      ? sections.find((s) => s.anchor === input.anchor)
      : (sections.find((s) => lineOf(s.start) <= input.line! && input.line! <= lineOf(s.end)) ??
        sections.filter((s) => lineOf(s.start) <= input.line!).pop());
  if (!at)
    throw new ToolInputError(
      input.anchor !== undefined
        ? `${doc.relPath} has no section with the anchor "${input.anchor}"`
        : `${doc.relPath} has no section at line ${input.line} (it has ${doc.lines.length} lines)`,
    );
  // The section runs on through its subsections: the sections after it whose heading path extends its own.
  let last = sections.indexOf(at);
  const within = (s: { headingPath: string[] }) =>
    at.headingPath.length > 0 && s.headingPath.length > at.headingPath.length && at.headingPath.every((h, i) => s.headingPath[i] === h);
  while (last + 1 < sections.length && within(sections[last + 1])) last++;
  const span = { startLine: lineOf(at.start), endLine: lineOf(sections[last].end) };
  // The blank lines before the next heading are not the section's.
  while (span.endLine > span.startLine && !doc.lines[span.endLine - 1]?.trim()) span.endLine--;
  const lines = docLinesOf(doc, folders, span, input.maxTokens ?? DEFAULT_SECTION_TOKENS);
  return withSecretsRedacted({ ...lines, headingPath: at.headingPath, anchor: at.anchor }, doc);
}
