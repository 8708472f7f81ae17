import { countTokens } from '../tokens';

/** Lines joined by "\n", as a chunk's text is made. */
export interface Lines {
  readonly lines: ReadonlyArray<{ readonly text: string }>;
}

/** A run of lines whose first and last lines are not blank, and its exact token count. */
export interface CountedPart {
  start: number;
  end: number;
  count: number;
}

const WORD_CHARACTER = /[\p{L}\p{N}]/u;
const MARK = /\p{M}/u;

/**
 * The exact token count of consecutive parts joined as in the document (parts[0].start through parts.at(-1).end,
 * blank lines between them included), from the parts' own counts; undefined when only counting the joined text
 * can tell. Chunking would otherwise count every line of a long section twice: once to pack its paragraphs,
 * once more for each chunk.
 *
 * Why this is exact: o200k's pre-tokenizer cuts the text before byte pairs are merged, and merges never cross
 * its cuts. It always cuts after a part's last letter or digit, since nothing after them there (no letter
 * follows) continues a word, unless a combining mark does; and it always cuts at the start of a line that is not
 * blank and does not begin with "/" (a punctuation token may carry the line break and slashes along). So joining
 * two parts changes only the tokens from the first one's trailing non-word characters (its tail) to the next
 * part, and those few are counted again. A property test checks this against counting the joined text.
 */
export function joinedTokens(outline: Lines, parts: readonly CountedPart[]): number | undefined {
  let total = parts[0].count;
  for (let i = 0; i + 1 < parts.length; i++) {
    const next = outline.lines[parts[i + 1].start].text;
    if (next.startsWith('/')) return undefined;
    const tail = tailOf(outline.lines[parts[i].end].text);
    if (tail === undefined) return undefined;
    let joint = '\n';
    for (let line = parts[i].end + 1; line < parts[i + 1].start; line++) joint += outline.lines[line].text + '\n';
    total += countTokens(tail + joint) - countTokens(tail) + parts[i + 1].count;
  }
  return total;
}

/**
 * What follows the last letter or digit of a part's last line; the whole line when it has none and its start is a
 * cut (see above); undefined when neither holds.
 */
function tailOf(line: string): string | undefined {
  let end = line.length;
  while (end > 0) {
    let start = end - 1;
    // Astral letters are two UTF-16 units: test them whole.
    const unit = line.charCodeAt(start);
    if (unit >= 0xdc00 && unit <= 0xdfff && start > 0) {
      const high = line.charCodeAt(start - 1);
      if (high >= 0xd800 && high <= 0xdbff) start--;
    }
    if (WORD_CHARACTER.test(line.slice(start, end))) {
      const tail = line.slice(end);
      return MARK.test(tail) ? undefined : tail;
    }
    end = start;
  }
  return line.trim() && !line.startsWith('/') ? line : undefined;
}
