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

/** Where lines of an `.ipynb` file are in the notebook: the cell, and the lines within it (0-based, inclusive). */
export interface CellLines {
  cell: number;
  startLine: number;
  endLine: number;
}

/**
 * The cell that holds `startLine`-`endLine` of the notebook's file (1-based, as citations give them), with the
 * lines inside that cell, so a citation opens the notebook editor at the cell instead of the raw JSON. Undefined
 * when the lines are not in a cell's source or the notebook is not laid out as Jupyter writes it.
 */
export function notebookCellAt(raw: string, startLine: number, endLine: number): CellLines | undefined {
  const laidOut = locatedCells(raw);
  if (!laidOut) return undefined;
  const { cells, located } = laidOut;
  for (let cell = 0; cell < located.length; cell++) {
    const lines = located[cell];
    const first = lines.findIndex((line) => line >= startLine);
    if (first < 0 || lines[first] > endLine) continue;
    // One `source` element is one line of the cell (Jupyter writes them so), except a string source: its lines.
    const source = cells[cell].source;
    if (!Array.isArray(source)) return { cell, startLine: 0, endLine: Math.max(0, String(source ?? '').split('\n').length - 1) };
    let last = first;
    while (last + 1 < lines.length && lines[last + 1] <= endLine) last++;
    return { cell, startLine: first, endLine: last };
  }
  return undefined;
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

/** One cell of a notebook as a reader sees it: its number (1-based), kind, and the source lines asked for. */
export interface NotebookCellText {
  cell: number;
  kind: string;
  /** The `.ipynb` file's lines this part of the cell is stored on (1-based, inclusive), for citing. */
  startLine: number;
  endLine: number;
  text: string;
}

/**
 * The cells stored on lines `startLine`-`endLine` of a notebook's file, as their markdown or code (never the JSON
 * they are stored as). Undefined when the notebook is not JSON or not laid out as Jupyter writes it.
 */
export function notebookCellsIn(raw: string, startLine: number, endLine: number): NotebookCellText[] | undefined {
  const laidOut = locatedCells(raw);
  if (!laidOut) return undefined;
  const { cells, located } = laidOut;
  const out: NotebookCellText[] = [];
  cells.forEach((cell, index) => {
    const parts = Array.isArray(cell.source) ? cell.source.map(String) : [String(cell.source ?? '')];
    const lines = located[index];
    const wanted = parts
      .map((text, i) => ({ text, line: lines[i] ?? lines[0] }))
      .filter(({ line }) => line !== undefined && line >= startLine && line <= endLine);
    if (!wanted.length) return;
    out.push({
      cell: index + 1,
      kind: cell.cell_type ?? 'code',
      startLine: wanted[0].line,
      endLine: wanted[wanted.length - 1].line,
      text: wanted
        .map((w) => w.text)
        .join('')
        .replace(/\n$/, ''),
    });
  });
  return out;
}

type NotebookCell = { cell_type?: string; source?: string | string[] };

/** A notebook's cells with the file line of each `source` element, or undefined (not JSON, not Jupyter's layout). */
function locatedCells(raw: string): { cells: NotebookCell[]; located: number[][] } | undefined {
  let notebook: { cells?: NotebookCell[] };
  try {
    notebook = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const cells = Array.isArray(notebook.cells) ? notebook.cells : [];
  const located = locateSourceLines(splitLines(raw), cells.length);
  return located ? { cells, located } : undefined;
}
