import type { Chunk } from '../types';
import { type StringSection, stringsInMemory } from './stringSection';

/** A chunk as the search index keeps it: the chunk and its id, without its vector (that lives in the matrix). */
export interface ChunkRecord extends Chunk {
  id: string;
}

/**
 * The search index in flat, typed arrays: what a snapshot on disk holds and what compaction produces. It can be
 * used straight from a file's bytes, with no parsing per chunk or per term, which is what makes opening a large
 * index fast. Chunk text is decoded only for the rows a query returns.
 */
export interface FrozenIndex {
  dimensions: number;
  rows: number;
  /** Per row: the number of analyzed terms (BM25's document length). */
  lengths: Int32Array;
  /** Per row: first line, last line, token count. */
  lines: Int32Array;
  /** Per row: index into `paths`. */
  pathIndex: Uint32Array;
  paths: string[];
  /** Per row, four UTF-8 ranges in `strings`: id, heading path (JSON), anchor, text; `rows * 4 + 1` offsets. */
  fieldOffsets: Uint32Array;
  /** In memory, or left in the snapshot file and read a row at a time (see `StringSection`). */
  strings: StringSection;
  /**
   * The vectors, dimension by dimension (`matrix[d * rows + row]`), each component quantized to a signed byte:
   * `matrix[d * rows + row] * scales[row]` is the component. A quarter of float32's size, in memory and on disk, for
   * a change of the vector scores in the third decimal (BENCHMARKS.md, "Memory"). By dimension because a query's
   * vector has few non-zero dimensions: scoring reads only their columns, each straight through.
   */
  matrix: Int8Array;
  /** Per row: the vector's largest absolute component over 127. */
  scales: Float32Array;
  /** Sorted (by UTF-16 code units), so a term is found by binary search without building a map. */
  vocabulary: string[];
  /** Per term: the start of its postings; `vocabulary.length + 1` offsets into `postings`. */
  termOffsets: Uint32Array;
  /** One number per (row, term frequency): see `posting`. */
  postings: Uint32Array;
  documentFrequency: Int32Array;
}

export const FIELDS_PER_ROW = 4;

/**
 * A posting is its row times 256 plus the term's frequency in that row, capped at 255 (a chunk is at most a few
 * hundred tokens, and BM25 has long stopped counting by then): one 32-bit number where a (row, frequency) pair took
 * two, which halves the largest section of the index after the vectors, in memory and on disk. Rows up to 16.7
 * million.
 */
export function posting(row: number, frequency: number): number {
  return row * 256 + Math.min(frequency, 255);
}

// Exact with bit operations: a posting is below 2^32.
export const postingRow = (posting: number): number => posting >>> 8;
export const postingFrequency = (posting: number): number => posting & 255;
/** A posting's row must stay below this for it to fit in 32 bits. */
export const MOST_POSTING_ROWS = 2 ** 24;

export function emptyFrozenIndex(dimensions: number): FrozenIndex {
  return {
    dimensions,
    rows: 0,
    lengths: new Int32Array(0),
    lines: new Int32Array(0),
    pathIndex: new Uint32Array(0),
    paths: [],
    fieldOffsets: new Uint32Array(1),
    strings: stringsInMemory(Buffer.alloc(0)),
    matrix: new Int8Array(0),
    scales: new Float32Array(0),
    vocabulary: [],
    termOffsets: new Uint32Array(1),
    postings: new Uint32Array(0),
    documentFrequency: new Int32Array(0),
  };
}

/** Writes `vector` quantized into `matrix`, a matrix of `rows` rows, at row `row` (see `FrozenIndex.matrix`). */
export function quantizeInto(vector: ArrayLike<number>, matrix: Int8Array, scales: Float32Array, row: number, rows: number): void {
  const dims = vector.length;
  let largest = 0;
  for (let i = 0; i < dims; i++) largest = Math.max(largest, Math.abs(vector[i]));
  const scale = largest / 127;
  scales[row] = scale;
  for (let i = 0; i < dims; i++) matrix[i * rows + row] = scale ? Math.round(vector[i] / scale) : 0;
}

/** The vector of row `row`, as float32. */
export function dequantizedRow(frozen: Pick<FrozenIndex, 'matrix' | 'scales' | 'dimensions' | 'rows'>, row: number): Float32Array {
  const dims = frozen.dimensions;
  const scale = frozen.scales[row];
  const vector = new Float32Array(dims);
  for (let i = 0; i < dims; i++) vector[i] = frozen.matrix[i * frozen.rows + row] * scale;
  return vector;
}

/** The position of `term` in the sorted vocabulary, or -1. */
export function findTerm(vocabulary: string[], term: string): number {
  let low = 0;
  let high = vocabulary.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const found = vocabulary[middle];
    if (found === term) return middle;
    if (found < term) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** Reads a byte range of the strings; `FrozenIndex.strings.read` by default, a scanner for a pass over the rows. */
export type StringReader = (start: number, end: number) => Uint8Array;

function decode(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
}

export function frozenId(frozen: FrozenIndex, row: number, read: StringReader = frozen.strings.read): string {
  const at = row * FIELDS_PER_ROW;
  return decode(read(frozen.fieldOffsets[at], frozen.fieldOffsets[at + 1]), 0, frozen.fieldOffsets[at + 1] - frozen.fieldOffsets[at]);
}

/** A row as a chunk: its four strings are one range, read at once. */
export function frozenChunk(frozen: FrozenIndex, row: number, read: StringReader = frozen.strings.read, withText = true): ChunkRecord {
  const at = row * FIELDS_PER_ROW;
  const offsets = frozen.fieldOffsets;
  const start = offsets[at];
  // The text is the row's last field: without it, the read stops where it starts.
  const bytes = read(start, offsets[at + (withText ? FIELDS_PER_ROW : FIELDS_PER_ROW - 1)]);
  const field = (which: number) => decode(bytes, offsets[at + which] - start, offsets[at + which + 1] - start);
  return {
    id: field(0),
    path: frozen.paths[frozen.pathIndex[row]],
    headingPath: JSON.parse(field(1)) as string[],
    anchor: field(2),
    text: withText ? field(3) : '',
    startLine: frozen.lines[row * 3],
    endLine: frozen.lines[row * 3 + 1],
    tokens: frozen.lines[row * 3 + 2],
  };
}

/** A row's text alone (one read). */
export function frozenText(frozen: FrozenIndex, row: number): string {
  const at = row * FIELDS_PER_ROW + FIELDS_PER_ROW - 1;
  const [start, end] = [frozen.fieldOffsets[at], frozen.fieldOffsets[at + 1]];
  return decode(frozen.strings.read(start, end), 0, end - start);
}

/**
 * Checks that a frozen index read from disk is internally consistent, so a damaged file is rejected on open
 * instead of failing (or returning garbage) in the middle of a query. Returns the problem, or undefined.
 */
export function frozenIndexProblem(frozen: FrozenIndex, stringBytes = frozen.strings.byteLength): string | undefined {
  const { rows, dimensions } = frozen;
  if (frozen.lengths.length !== rows || frozen.lines.length !== rows * 3 || frozen.pathIndex.length !== rows) return 'row columns disagree';
  if (frozen.matrix.length !== rows * dimensions || frozen.scales.length !== rows) return 'vector matrix has the wrong size';
  if (frozen.fieldOffsets.length !== rows * FIELDS_PER_ROW + 1) return 'string offsets have the wrong size';
  if (!isMonotonic(frozen.fieldOffsets, stringBytes)) return 'string offsets are out of order';
  for (let row = 0; row < rows; row++) if (frozen.pathIndex[row] >= frozen.paths.length) return 'a row names an unknown path';
  const terms = frozen.vocabulary.length;
  if (frozen.termOffsets.length !== terms + 1 || frozen.documentFrequency.length !== terms) return 'term columns disagree';
  if (!isMonotonic(frozen.termOffsets, frozen.postings.length)) return 'postings offsets are out of order';
  for (let i = 0; i < terms; i++) {
    if (frozen.termOffsets[i + 1] - frozen.termOffsets[i] !== frozen.documentFrequency[i])
      return 'document frequencies disagree with postings';
  }
  for (const entry of frozen.postings) {
    if (postingRow(entry) >= rows || postingFrequency(entry) === 0) return 'a posting names an unknown row';
  }
  for (let i = 1; i < terms; i++) if (!(frozen.vocabulary[i - 1] < frozen.vocabulary[i])) return 'vocabulary is not sorted';
  return undefined;
}

function isMonotonic(offsets: Uint32Array, end: number): boolean {
  if (offsets[0] !== 0 || offsets[offsets.length - 1] !== end) return false;
  for (let i = 1; i < offsets.length; i++) if (offsets[i] < offsets[i - 1]) return false;
  return true;
}
