import { SliceTable, sliceHash } from './sliceTable';
import { asciiPieceEnd } from './tokenPieces';

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
/** 2^17 slots a generation, at most half of them used. */
const PIECE_SLOTS = 1 << 17;

/**
 * Pieces counted lately and their counts. o200k cuts text into pieces (words, numbers, punctuation runs, spaces)
 * before merging byte pairs, merges never cross a cut, and a piece cut out again alone is the same piece: a
 * text's count is the sum of its pieces' counts. Docs repeat their words: indexing cpp-docs counts 10 million
 * pieces of which about 95,000 differ. Two generations: when the newer one is full it becomes the older and the
 * oldest is dropped, so the pieces in use stay and the memory is bounded (a few MB). A piece not remembered costs
 * gpt-tokenizer 10–17 µs (a map lookup per byte pair it tries); with 30,000 pieces a generation, the cpp-docs build
 * (files in shard order, folders mixed) counted 150,000 of them, with 60,000 about 100,000.
 */
let recentPieces = new SliceTable<number>(PIECE_SLOTS);
let olderPieces = new SliceTable<number>(PIECE_SLOTS);
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
let stickyPattern: RegExp | undefined;

/** The library's own pattern for o200k (what its countTokens uses), matching only where it is told to. */
function pieceAt(text: string, start: number): string {
  stickyPattern ??= new RegExp(
    (require('gpt-tokenizer/encodingParams/constants') as { O200K_TOKEN_SPLIT_REGEX: RegExp }).O200K_TOKEN_SPLIT_REGEX.source, // eslint-disable-line @typescript-eslint/no-require-imports
    'uy',
  );
  stickyPattern.lastIndex = start;
  // Every character starts some piece of the pattern; a code point on its own is the guard against a loop.
  return stickyPattern.exec(text)?.[0] || String.fromCodePoint(text.codePointAt(start)!);
}

/**
 * Tokens as the OpenAI models count them (o200k_base), the unit of every budget in Groundwork. Pieces of ASCII
 * text are found by character codes (`asciiPieceEnd`) and their counts looked up by their letters; elsewhere the
 * pattern cuts them.
 */
export function countTokens(text: string): number {
  let total = 0;
  for (let start = 0; start < text.length;) {
    const end = asciiPieceEnd(text, start);
    if (end < 0) {
      const piece = pieceAt(text, start);
      total += countOf(piece, 0, piece.length);
      start += piece.length;
      continue;
    }
    total += countOf(text, start, end);
    start = end;
  }
  return total;
}

function countOf(text: string, start: number, end: number): number {
  if (end - start > LONGEST_REMEMBERED_PIECE) return countPiece(text.slice(start, end));
  const hash = sliceHash(text, start, end);
  const recent = recentPieces.get(text, start, end, hash);
  if (recent !== undefined) return recent;
  const piece = text.slice(start, end);
  const count = olderPieces.get(text, start, end, hash) ?? countPiece(piece);
  if (recentPieces.full) {
    [olderPieces, recentPieces] = [recentPieces, olderPieces];
    recentPieces.clear();
  }
  recentPieces.add(piece, count, hash);
  return count;
}

export function encodeTokens(text: string): number[] {
  return loadTokenizer().encode(text, PLAIN_TEXT);
}

export function decodeTokens(tokens: number[]): string {
  return loadTokenizer().decode(tokens);
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
