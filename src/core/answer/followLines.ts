/**
 * Where a block of lines cited earlier is now, after edits to its file: its first line (1-based) if the block still
 * stands there, else the nearest place that holds every line of it unchanged, in order, together; undefined when
 * none does (the cited text itself changed: the citation is stale). A block of blank lines alone is never followed.
 */
export function followCitedLines(cited: string, startLine: number, lines: readonly string[]): number | undefined {
  const block = cited.split('\n');
  if (!block.some((line) => line.trim())) return undefined;
  const holdsAt = (first: number) => block.every((line, i) => lines[first - 1 + i] === line);
  if (holdsAt(startLine)) return startLine;
  let best: number | undefined;
  for (let first = 1; first + block.length - 1 <= lines.length; first++) {
    if (lines[first - 1] !== block[0] || !holdsAt(first)) continue;
    if (best === undefined || Math.abs(first - startLine) < Math.abs(best - startLine)) best = first;
  }
  return best;
}
