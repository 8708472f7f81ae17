type Tokenizer = typeof import('gpt-tokenizer');
let tokenizer: Tokenizer | undefined;

/**
 * gpt-tokenizer decodes its token tables when loaded (about 170 ms), and searching an index never counts
 * tokens: it is loaded on the first count.
 */
export function loadTokenizer(): Tokenizer {
  tokenizer ??= require('gpt-tokenizer') as Tokenizer; // eslint-disable-line @typescript-eslint/no-require-imports
  return tokenizer;
}

/**
 * Docs and questions are text: a special token's spelling in them (`<|endoftext|>`, in any page about LLMs) is
 * counted as the characters it is, as the API does with message content, instead of gpt-tokenizer's default of
 * throwing, which would skip the page and fail the answer.
 */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * Pieces counted lately and their counts. o200k cuts text into pieces (words, numbers, punctuation runs, spaces)
 * before merging byte pairs, merges never cross a cut, and a piece cut out again alone is the same piece: a
 * text's count is the sum of its pieces' counts. Docs repeat their words: indexing cpp-docs counts 10 million
 * pieces of which about 95,000 differ, and looking pieces up here takes about a third less time than gpt-tokenizer's
 * count, whose own cache keeps only recent words. Two generations: when the newer one is full it becomes the
 * older and the oldest is dropped, so the pieces in use stay and the memory is bounded (a few MB). A piece not
 * remembered costs gpt-tokenizer 10–17 µs (a map lookup per byte pair it tries); with 30,000 pieces a generation,
 * the cpp-docs build (files in shard order, folders mixed) counted 150,000 of them, with 60,000 about 100,000.
 */
let recentPieces = new Map<string, number>();
let olderPieces = new Map<string, number>();
const PIECES_PER_GENERATION = 60_000;
/** V8 keeps a longer piece as a view into the whole text it was cut from: a copy is kept instead. */
const LONGEST_SHARED_PIECE = 12;
/** Longer pieces are not remembered: few of them repeat, and each would hold its length in memory. */
const LONGEST_REMEMBERED_PIECE = 256;
/**
 * gpt-tokenizer merges a piece's byte pairs in time that grows with the square of its length: a 160,000-character
 * run of "=" (a generated table rule, a data dump) took 15 s to count, a megabyte would take minutes and stall
 * indexing. Longer pieces are counted in slices of this length instead, which counts a run a little high (a
 * token or two per slice: 1,024 for 64,000 "=" whose exact count is 1,000; 157 → 180 for 20,000 spaces): a
 * budget errs on the safe side, and text of words is never cut so long.
 */
const LONGEST_PIECE_COUNTED_WHOLE = 1_000;
let pieceSplitter: RegExp | undefined;

function splitter(): RegExp {
  // The library's own pattern for o200k (what its countTokens uses), compiled with the global flag `match` needs.
  pieceSplitter ??= new RegExp(
    (require('gpt-tokenizer/encodingParams/constants') as { O200K_TOKEN_SPLIT_REGEX: RegExp }).O200K_TOKEN_SPLIT_REGEX.source, // eslint-disable-line @typescript-eslint/no-require-imports
    'gu',
  );
  return pieceSplitter;
}

/** Tokens as the OpenAI models count them (o200k_base), the unit of every budget in Groundwork. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  let total = 0;
  // `match` with a global pattern gives the pieces alone, without a match object for each (as `exec` makes).
  for (const piece of text.match(splitter()) ?? []) {
    total += piece.length > LONGEST_REMEMBERED_PIECE ? countPiece(piece) : (recentPieces.get(piece) ?? rememberPiece(piece));
  }
  return total;
}

export function encodeTokens(text: string): number[] {
  return loadTokenizer().encode(text, PLAIN_TEXT);
}

export function decodeTokens(tokens: number[]): string {
  return loadTokenizer().decode(tokens);
}

function rememberPiece(piece: string): number {
  const count = olderPieces.get(piece) ?? countPiece(piece);
  if (recentPieces.size >= PIECES_PER_GENERATION) {
    olderPieces = recentPieces;
    recentPieces = new Map();
  }
  recentPieces.set(piece.length > LONGEST_SHARED_PIECE ? Buffer.from(piece).toString() : piece, count);
  return count;
}

/** gpt-tokenizer's count of one piece; one longer than `LONGEST_PIECE_COUNTED_WHOLE`, slice by slice. */
function countPiece(piece: string): number {
  if (piece.length <= LONGEST_PIECE_COUNTED_WHOLE) return loadTokenizer().countTokens(piece, PLAIN_TEXT);
  let total = 0;
  for (let start = 0; start < piece.length;) {
    let end = Math.min(piece.length, start + LONGEST_PIECE_COUNTED_WHOLE);
    // Never between the two halves of a surrogate pair (an emoji, an astral letter).
    const last = piece.charCodeAt(end - 1);
    if (end < piece.length && last >= 0xd800 && last <= 0xdbff) end--;
    total += loadTokenizer().countTokens(piece.slice(start, end), PLAIN_TEXT);
    start = end;
  }
  return total;
}
