import { followCitedLines } from './followLines';

/** Source `n` of an answer moved `delta` lines (0: it did not move), or went stale, or says its text again. */
export interface CitationChange {
  turnId: string;
  n: number;
  delta: number;
  stale: boolean;
}

/** A file as it reads now: its line count, one line (1-based), or all of them. */
export interface FileLines {
  lineCount: number;
  line(n: number): string;
  lines(): readonly string[];
}

/** The lines one source of one answer showed, and where that text is now. */
export interface CitedRange {
  turnId: string;
  n: number;
  question: string;
  /** Which file: any key the caller uses consistently (the editor uses the URI). */
  file: string;
  startLine: number;
  endLine: number;
  /** The lines' text when the answer was given. */
  text: string;
  stale: boolean;
  /** Cited by the answer (marked in the editor, named on hover); an uncited source shown with it follows its text too. */
  cited: boolean;
}

/**
 * Every source shown by this session's answers, in every turn, cited or not, and where its text is now: after an
 * edit each one follows its text (lines added or removed above it), goes stale when the text itself changed, and
 * comes back when the text does (an undo, a revert). Pure: the editor feeds it a file's lines.
 */
export class CitedRanges {
  private ranges: CitedRange[] = [];

  add(range: Omit<CitedRange, 'stale'>): void {
    this.ranges.push({ ...range, stale: false });
  }

  files(): string[] {
    return [...new Set(this.ranges.map((r) => r.file))];
  }

  inFile(file: string): readonly CitedRange[] {
    return this.ranges.filter((r) => r.file === file);
  }

  isStale(turnId: string, n: number): boolean {
    return this.ranges.some((r) => r.turnId === turnId && r.n === n && r.stale);
  }

  /**
   * The file as it reads now: each of its ranges follows its text or goes stale. Returns what changed. A range
   * still in place is checked by its own lines: the whole file is split only when one has moved (a keystroke in a
   * large file stays cheap).
   */
  follow(file: string, now: FileLines): CitationChange[] {
    const changes: CitationChange[] = [];
    let all: readonly string[] | undefined;
    for (const range of this.ranges) {
      if (range.file !== file) continue;
      const at = holdsAt(range, now) ? range.startLine : followCitedLines(range.text, range.startLine, (all ??= now.lines()));
      const change = this.move(range, at === undefined ? 0 : at - range.startLine, at === undefined);
      if (change) changes.push(change);
    }
    return changes;
  }

  /** The file is gone: every range in it is stale. */
  lose(file: string): CitationChange[] {
    return this.ranges.flatMap((range) => (range.file === file ? [this.move(range, 0, true)].filter((c) => c !== undefined) : []));
  }

  private move(range: CitedRange, delta: number, stale: boolean): CitationChange | undefined {
    if (!delta && range.stale === stale) return undefined;
    range.startLine += delta;
    range.endLine += delta;
    range.stale = stale;
    return { turnId: range.turnId, n: range.n, delta, stale };
  }
}

function holdsAt(range: CitedRange, now: FileLines): boolean {
  if (range.endLine > now.lineCount) return false;
  const lines: string[] = [];
  for (let n = range.startLine; n <= range.endLine; n++) lines.push(now.line(n));
  return lines.join('\n') === range.text;
}

/** A file's lines held as an array, as `follow` reads them. */
export function fileLines(lines: readonly string[]): FileLines {
  return { lineCount: lines.length, line: (n) => lines[n - 1], lines: () => lines };
}
