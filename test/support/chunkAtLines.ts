import { splitLines } from '../../src/core/discovery/readDocument';

/**
 * Why a chunk's text is not at its lines in `fileText`, or undefined when it is: its range must lie inside the
 * file and every non-blank line of its text must appear there, in order. What "a citation opens the lines that say
 * it" means, checked from the outside.
 */
export function chunkNotAtLines(chunk: { startLine: number; endLine: number; text: string }, fileText: string): string | undefined {
  const lines = splitLines(fileText);
  if (chunk.startLine < 1 || chunk.endLine > lines.length || chunk.endLine < chunk.startLine)
    return `lines ${chunk.startLine}-${chunk.endLine} are not in a file of ${lines.length} lines`;
  const range = lines.slice(chunk.startLine - 1, chunk.endLine).map((line) => line.trimEnd());
  let at = 0;
  for (const line of chunk.text.split('\n')) {
    const wanted = line.trimEnd();
    if (!wanted.trim()) continue;
    while (at < range.length && range[at] !== wanted) at++;
    if (at === range.length) return `"${wanted.slice(0, 60)}" is not at lines ${chunk.startLine}-${chunk.endLine}`;
    at++;
  }
  return undefined;
}
