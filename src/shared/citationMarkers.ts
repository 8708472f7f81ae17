/**
 * The citation grammar, in one place for every surface that reads or writes answers (the answer pipeline, the
 * restyle lock, the style eval, `@groundwork`, the panel's renderer): a citation is `[n]` (n of 1 to 3 digits);
 * models also write lists, `[1, 2]`, which `filterCitations` rewrites as `[1][2]` before anything else reads the
 * text; inside code (fenced blocks, closed or running to the end, and inline spans) brackets are code, never
 * citations.
 */

/** One `[n]`, as a pattern to compose with (its number is the first group). */
export const MARKER_SOURCE = String.raw`\[(\d{1,3})\]`;
/** The same, without a group: to compose into patterns that split or capture on their own. */
export const MARKER_UNCAPTURED = String.raw`\[\d{1,3}\]`;
/** `[n]` or a list `[1, 2]` (the numbers are the first group, comma separated). */
const LIST_SOURCE = String.raw`\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]`;
const CODE = /```[\s\S]*?(?:```|$)|~~~[\s\S]*?(?:~~~|$)|`[^`\n]*`/g;

export interface Marker {
  n: number;
  /** Where the marker starts in the text, and where it ends (exclusive). */
  index: number;
  end: number;
}

/** The text with its code blanked out (same length, so positions still match the original). */
export function maskCode(text: string): string {
  return text.replace(CODE, (code) => code.replace(/[^\n]/g, ' '));
}

/** The text with the markers inside code blanked (same length): brackets in code are never read as citations. */
export function blankMarkersInCode(text: string): string {
  return text.replace(CODE, (code) => code.replace(new RegExp(MARKER_SOURCE, 'g'), (m) => ' '.repeat(m.length)));
}

/** The text in pieces: even indices are prose, odd ones code. */
export function splitAtCode(text: string): string[] {
  return text.split(new RegExp(`(${CODE.source})`));
}

/** Every `[n]` of the text in order; outside code unless `inCodeToo` (a stream's pieces, whose context is unknown). */
export function markersIn(text: string, options: { inCodeToo?: boolean } = {}): Marker[] {
  const read = options.inCodeToo ? text : maskCode(text);
  return [...read.matchAll(new RegExp(MARKER_SOURCE, 'g'))].map((m) => ({ n: Number(m[1]), index: m.index, end: m.index + m[0].length }));
}

/** Every cited number outside code, lists counted one by one, with multiplicity and in order. */
export function citedNumbers(text: string): number[] {
  return [...maskCode(text).matchAll(new RegExp(LIST_SOURCE, 'g'))].flatMap((m) => m[1].split(',').map((n) => Number(n.trim())));
}

/** Whether the text cites anything (outside code). */
export function citesAnything(text: string): boolean {
  return markersIn(text).length > 0;
}

/** Rewrites each marker or list of markers outside code with what `replace` makes of its numbers. */
export function replaceMarkers(text: string, replace: (numbers: number[]) => string): string {
  return splitAtCode(text)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(new RegExp(LIST_SOURCE, 'g'), (_whole, list: string) => replace(list.split(',').map((n) => Number(n.trim())))),
    )
    .join('');
}

/** The text with every marker and list of markers (outside code) replaced by a space. */
export function withoutMarkers(text: string): string {
  return replaceMarkers(text, () => ' ');
}

/** Bracketed numbers a doc wrote itself (`RFC 6585 [2]`), escaped so they never read as citations. */
export function escapeMarkers(text: string): string {
  return text.replace(new RegExp(MARKER_SOURCE, 'g'), '\\[$1\\]');
}

/** The text as prose and citations in order: strings, and the numbers of the `[n]` between them. */
export function splitAtMarkers(text: string): Array<string | { n: number }> {
  const parts: Array<string | { n: number }> = [];
  let last = 0;
  for (const marker of markersIn(text, { inCodeToo: true })) {
    if (marker.index > last) parts.push(text.slice(last, marker.index));
    parts.push({ n: marker.n });
    last = marker.end;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** Where a citation points, as every surface writes it: `path:start-end` (1-based, inclusive). */
export function locationOf(at: { path: string; startLine: number; endLine: number }): string {
  return `${at.path}:${at.startLine}-${at.endLine}`;
}

/** A `path:start-end` (or `path:line`) location as written by `locationOf`, or undefined when it is not one. */
export function parseLocation(text: string): { path: string; startLine: number; endLine: number } | undefined {
  const match = /^(.+):(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const startLine = Number(match[2]);
  return { path: match[1], startLine, endLine: match[3] === undefined ? startLine : Number(match[3]) };
}
