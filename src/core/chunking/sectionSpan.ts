/** A span of 1-based, inclusive lines. */
export interface LineSpan {
  startLine: number;
  endLine: number;
}

/**
 * The whole section a passage is in: the run of the file's chunks around it whose heading path starts with the
 * passage's (its subsections included), from the first such chunk to the last. A passage before any heading has
 * the run of heading-less chunks around it. `chunks` are the file's chunks in any order.
 */
export function sectionSpan(
  chunks: ReadonlyArray<{ startLine: number; endLine: number; headingPath: readonly string[] }>,
  passage: { startLine: number; headingPath: readonly string[] },
): LineSpan | undefined {
  const ordered = [...chunks].sort((a, b) => a.startLine - b.startLine);
  const at = ordered.findIndex((c) => c.startLine <= passage.startLine && passage.startLine <= c.endLine);
  if (at < 0) return undefined;
  const prefix = passage.headingPath;
  const inSection = (c: { headingPath: readonly string[] }) =>
    prefix.length === 0 ? c.headingPath.length === 0 : prefix.every((h, i) => c.headingPath[i] === h);
  let first = at;
  let last = at;
  while (first > 0 && inSection(ordered[first - 1])) first--;
  while (last + 1 < ordered.length && inSection(ordered[last + 1])) last++;
  return { startLine: ordered[first].startLine, endLine: ordered[last].endLine };
}
