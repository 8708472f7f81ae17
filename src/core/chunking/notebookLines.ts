import type { SourceLine } from './outline';
import { splitLines } from '../discovery/readDocument';

/**
 * The markdown cells of a Jupyter notebook as lines, each carrying the line of the `.ipynb` file it is
 * stored on, so a citation opens the notebook where the text is. Throws on a notebook that is not JSON.
 */
export function notebookMarkdownLines(raw: string): SourceLine[] {
  let notebook: { cells?: Array<{ cell_type?: string; source?: string | string[] }> };
  try {
    notebook = JSON.parse(raw);
  } catch (error) {
    throw new Error(`malformed notebook: ${(error as Error).message}`);
  }
  const cells = Array.isArray(notebook.cells) ? notebook.cells : [];
  const fileLines = locateSourceLines(splitLines(raw), cells.length);
  const out: SourceLine[] = [];
  cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== 'markdown') return;
    const parts = Array.isArray(cell.source) ? cell.source : [cell.source ?? ''];
    const located = fileLines?.[cellIndex];
    const cellLines: SourceLine[] = [];
    parts.forEach((part, partIndex) => {
      const line = located?.[partIndex] ?? located?.[0] ?? 1;
      const pieces = String(part).replace(/\n$/, '').split('\n');
      for (const text of pieces) cellLines.push({ line, text });
    });
    if (!cellLines.some((l) => l.text.trim())) return;
    // A blank separator keeps one cell's last paragraph from running into the next cell's first.
    if (out.length) out.push({ line: cellLines[0].line, text: '' });
    out.push(...cellLines);
  });
  return out;
}

/**
 * For each cell, the file line of each element of its `source` array, read from the pretty-printed JSON that
 * Jupyter writes. Returns undefined when the layout is not that one (minified JSON), and callers fall back.
 */
function locateSourceLines(lines: string[], cellCount: number): number[][] | undefined {
  const found: number[][] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*"source":\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const rest = open[1].trim();
    if (rest !== '[') {
      found.push([i + 1]);
      continue;
    }
    const elementLines: number[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*\],?\s*$/.test(lines[j]); j++) elementLines.push(j + 1);
    found.push(elementLines);
    i = j;
  }
  return found.length === cellCount ? found : undefined;
}
