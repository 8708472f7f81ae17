import { replaceMarkers } from '../../shared/citationMarkers';
/**
 * A tail the stream holds back: markers, complete or cut (`[`, `[1`, `[1,`, `[2][9]`), with the spaces around
 * them. What follows decides how they read: a removed marker before a full stop takes its space with it.
 */
const MARKER_TAIL = /(?: *\[(?:\d{1,3}(?:\s*,\s*\d{0,3})*)?\]?)+ *$/;

export interface CitationResult {
  text: string;
  cited: number[];
  removed: number[];
}

/**
 * Keeps markers whose number is a source sent with the question and removes the others, so no citation ever
 * links to nowhere. Inside code (fenced or inline), brackets are code, not citations, and are left alone.
 */
export function filterCitations(text: string, valid: Set<number>, cited: number[] = [], removed: number[] = []): CitationResult {
  const out = replaceMarkers(text, (numbers) => {
    const kept = numbers.filter((n) => valid.has(n));
    for (const n of kept) if (!cited.includes(n)) cited.push(n);
    for (const n of numbers) if (!valid.has(n) && !removed.includes(n)) removed.push(n);
    return kept.map((n) => `[${n}]`).join('');
  });
  return { text: out.replace(/ +([.,;:!?])/g, '$1'), cited, removed };
}

const FENCE_LINE = /^\s{0,3}(```|~~~)/;

/**
 * The streaming form of `filterCitations`: text arrives in pieces, a marker may be split between two pieces,
 * and code fences change what brackets mean. Text is released as soon as it is safe to show; only a possible
 * marker, fence or inline code start at the very end is held back.
 */
export class CitationStream {
  private held = '';
  private inFence = false;
  private atLineStart = true;
  private emitted = '';
  readonly cited: number[] = [];
  readonly removed: number[] = [];

  constructor(private readonly valid: Set<number>) {}

  /** Feeds a piece of the model's output; returns what can be shown now. */
  push(piece: string): string {
    this.held += piece;
    let cut = this.held.length;
    const lineStart = this.held.lastIndexOf('\n') + 1;
    const lastLine = this.held.slice(lineStart);
    const lastLineIsNew = lineStart > 0 || this.atLineStart;
    // A line that so far is one or two backticks or tildes may become a fence: wait for the line.
    if (lastLineIsNew && /^\s{0,3}(`{1,2}|~{1,2})$/.test(lastLine)) cut = lineStart;
    if (!this.fenceStateAt(cut)) {
      const partial = MARKER_TAIL.exec(this.held.slice(0, cut));
      if (partial) cut = partial.index;
      const start = this.held.lastIndexOf('\n', cut - 1) + 1;
      const line = this.held.slice(start, cut);
      const fenceLine = (start > 0 || this.atLineStart) && FENCE_LINE.test(line);
      if (!fenceLine && (line.match(/`/g)?.length ?? 0) % 2 === 1) cut = start + line.lastIndexOf('`');
      // Trailing spaces wait too: if a removed marker follows, the space before it goes with it.
      while (cut > 0 && this.held[cut - 1] === ' ') cut--;
    }
    return this.release(cut);
  }

  /** The rest, when the stream has ended. */
  end(): string {
    return this.release(this.held.length);
  }

  /** Everything released so far. */
  get text(): string {
    return this.emitted;
  }

  /** Whether the text up to `cut` leaves a fenced code block open. */
  private fenceStateAt(cut: number): boolean {
    let inFence = this.inFence;
    const lines = this.held.slice(0, cut).split('\n');
    lines.forEach((line, i) => {
      if ((i > 0 || this.atLineStart) && FENCE_LINE.test(line)) inFence = !inFence;
    });
    return inFence;
  }

  private release(cut: number): string {
    const ready = this.held.slice(0, cut);
    this.held = this.held.slice(cut);
    if (!ready) return '';
    let out = '';
    let prose = '';
    const flushProse = () => {
      out += filterCitations(prose, this.valid, this.cited, this.removed).text;
      prose = '';
    };
    ready.split(/(?<=\n)/).forEach((line, i) => {
      const startsLine = i > 0 || this.atLineStart;
      if (startsLine && FENCE_LINE.test(line)) {
        flushProse();
        this.inFence = !this.inFence;
        out += line;
      } else if (this.inFence) out += line;
      else prose += line;
    });
    flushProse();
    this.atLineStart = ready.endsWith('\n');
    this.emitted += out;
    return out;
  }
}
