import {
  type ChunkRecord,
  FIELDS_PER_ROW,
  type FrozenIndex,
  MOST_POSTING_ROWS,
  posting,
  postingFrequency,
  postingRow,
  quantizeInto,
} from './frozenIndex';
import { type SpillStrings, stringsInMemory } from './stringSection';

/** What freezing reads of a search index: its frozen base and everything added or removed since. */
export interface IndexState {
  base: FrozenIndex;
  dimensions: number;
  /** Per row, base rows first: 1 while the row is live. */
  alive: Uint8Array;
  /** Rows added after the base; row `base.rows + i` is `added[i]`. */
  added: ChunkRecord[];
  addedLengths: number[];
  addedMatrix: Float32Array;
  /** Terms the base does not know; term id `base.vocabulary.length + i` is `newTerms[i]`. */
  newTerms: string[];
  /** By term id: live rows containing the term. */
  documentFrequency: Int32Array;
  /** By term id: postings added after the base (see `posting`). */
  addedPostings: Array<number[] | undefined>;
  /** Live base rows whose chunk moved to other lines since the base was frozen: [startLine, endLine]. */
  movedBaseLines: ReadonlyMap<number, readonly [number, number]>;
}

/** Receives a large section's bytes in order, in pieces; a piece may be reused once the sink returns. */
export type ByteSink = (bytes: Uint8Array) => void;

/**
 * Everything live in an index, laid out as a frozen index, before its three large sections (vectors, postings,
 * text) exist: those are emitted in pieces, straight from the base and the added rows. A snapshot is written from
 * a plan without building the frozen index in memory first (which would hold the index twice at the end of a
 * large build); compaction fills new arrays from the same plan. A plan reads the index as it is: it is emitted
 * at once, before anything changes it.
 */
export interface FreezePlan {
  rows: number;
  dimensions: number;
  paths: string[];
  vocabulary: string[];
  lengths: Int32Array;
  lines: Int32Array;
  pathIndex: Uint32Array;
  fieldOffsets: Uint32Array;
  scales: Float32Array;
  termOffsets: Uint32Array;
  documentFrequency: Int32Array;
  /** Byte lengths of the large sections. */
  matrixBytes: number;
  postingsBytes: number;
  stringBytes: number;
  emitMatrix(sink: ByteSink): void;
  /** With `release`, each term's added postings are dropped once emitted (compaction, which replaces them). */
  emitPostings(sink: ByteSink, release?: boolean): void;
  emitStrings(sink: ByteSink): void;
}

const bytesOf = (array: ArrayBufferView) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
/** Postings are emitted through a buffer of this many numbers when rows must be renumbered. */
const POSTINGS_BLOCK = 1 << 16;
/** The base's strings are copied in pieces of this many bytes (read from the snapshot file when they live there). */
const STRINGS_BLOCK = 1 << 20;

/**
 * Plans the freeze of `state` (see `FreezePlan`). Nothing is analyzed again: the base's live rows are taken in
 * runs, its postings with rows renumbered (or as they are when no base row died), and only the added rows and new
 * terms are laid out one by one.
 */
export function planFreeze(state: IndexState): FreezePlan {
  const { base, dimensions: dims } = state;
  const total = base.rows + state.added.length;
  const newRow = new Int32Array(total).fill(-1);
  let liveRows = 0;
  for (let row = 0; row < total; row++) if (state.alive[row]) newRow[row] = liveRows++;
  if (liveRows > MOST_POSTING_ROWS) throw new Error(`an index holds at most ${MOST_POSTING_ROWS} passages`);
  const runs = liveRuns(state.alive, base.rows);
  const liveBaseRows = runs.reduce((sum, [from, to]) => sum + to - from, 0);
  const addedSlots: number[] = [];
  for (let slot = 0; slot < state.added.length; slot++) if (state.alive[base.rows + slot]) addedSlots.push(slot);

  const { paths, pathRemap, pathNumber } = livePaths(base, runs);

  // The small per-row sections, whole.
  const lengths = new Int32Array(liveRows);
  const lines = new Int32Array(liveRows * 3);
  const pathIndex = new Uint32Array(liveRows);
  const scales = new Float32Array(liveRows);
  let at = 0;
  for (const [from, to] of runs) {
    lengths.set(base.lengths.subarray(from, to), at);
    lines.set(base.lines.subarray(from * 3, to * 3), at * 3);
    scales.set(base.scales.subarray(from, to), at);
    for (let row = from; row < to; row++) pathIndex[at + row - from] = pathRemap[base.pathIndex[row]];
    at += to - from;
  }
  for (const [row, [startLine, endLine]] of state.movedBaseLines) {
    if (newRow[row] >= 0) lines.set([startLine, endLine], newRow[row] * 3);
  }
  // Added rows: their vectors quantized now (the plan must not depend on the float vectors once made).
  const addedQuantized = new Int8Array(addedSlots.length * dims);
  const addedScales = new Float32Array(addedSlots.length);
  const addedFields: string[][] = [];
  addedSlots.forEach((slot, i) => {
    const chunk = state.added[slot];
    lengths[at + i] = state.addedLengths[slot];
    lines.set([chunk.startLine, chunk.endLine, chunk.tokens], (at + i) * 3);
    pathIndex[at + i] = pathNumber(chunk.path);
    quantizeInto(state.addedMatrix.subarray(slot * dims, (slot + 1) * dims), addedQuantized, addedScales, i, addedSlots.length);
    addedFields.push([chunk.id, JSON.stringify(chunk.headingPath), chunk.anchor, chunk.text]);
  });
  scales.set(addedScales, at);

  const { fieldOffsets, stringBytes } = textOffsets(base, runs, addedFields, liveRows);

  const kept = keptTermsInOrder(state);
  const baseTerms = base.vocabulary.length;
  const vocabulary = kept.map((id) => (id < baseTerms ? base.vocabulary[id] : state.newTerms[id - baseTerms]));
  const documentFrequency = Int32Array.from(kept, (id) => state.documentFrequency[id]);
  const termOffsets = new Uint32Array(kept.length + 1);
  for (let i = 0; i < kept.length; i++) termOffsets[i + 1] = termOffsets[i] + documentFrequency[i];
  // With every base row live, base rows keep their numbers and their postings are taken as they are.
  const baseUnchanged = liveBaseRows === base.rows;

  return {
    rows: liveRows,
    dimensions: dims,
    paths,
    vocabulary,
    lengths,
    lines,
    pathIndex,
    fieldOffsets,
    scales,
    termOffsets,
    documentFrequency,
    matrixBytes: liveRows * dims,
    postingsBytes: termOffsets[kept.length] * 4,
    stringBytes,
    emitMatrix(sink) {
      // Dimension by dimension (see `FrozenIndex.matrix`): each column is the base's live rows, then the added ones.
      const added = addedSlots.length;
      for (let d = 0; d < dims; d++) {
        const column = d * base.rows;
        for (const [from, to] of runs) sink(bytesOf(base.matrix.subarray(column + from, column + to)));
        sink(bytesOf(addedQuantized.subarray(d * added, (d + 1) * added)));
      }
    },
    emitPostings: (sink, release = false) => emitPostings(state, kept, newRow, baseUnchanged, sink, release),
    emitStrings(sink) {
      const scan = base.strings.scanner();
      for (const [from, to] of runs) {
        const end = base.fieldOffsets[to * FIELDS_PER_ROW];
        for (let at = base.fieldOffsets[from * FIELDS_PER_ROW]; at < end; at += STRINGS_BLOCK)
          sink(scan(at, Math.min(end, at + STRINGS_BLOCK)));
      }
      for (const fields of addedFields) for (const value of fields) sink(Buffer.from(value));
    },
  };
}

/**
 * Everything live in `state`, frozen into flat arrays (compaction). `releaseVectors` is called once the added
 * vectors are no longer needed, and each term's added postings are dropped once copied, which keeps the peak of
 * freezing a large build near the size of the index.
 */
export function freezeIndex(state: IndexState, releaseVectors: () => void, spillStrings?: SpillStrings): FrozenIndex {
  const plan = planFreeze(state);
  releaseVectors();
  const matrix = new Int8Array(plan.matrixBytes);
  fill(bytesOf(matrix), 'vectors', (sink) => plan.emitMatrix(sink));
  const postings = new Uint32Array(plan.postingsBytes / 4);
  fill(bytesOf(postings), 'postings', (sink) => plan.emitPostings(sink, true));
  let strings = spillStrings?.(plan.stringBytes, (sink) => plan.emitStrings(sink));
  if (!strings) {
    const bytes = Buffer.allocUnsafe(plan.stringBytes);
    fill(bytes, 'text', (sink) => plan.emitStrings(sink));
    strings = stringsInMemory(bytes);
  }
  return {
    dimensions: plan.dimensions,
    rows: plan.rows,
    lengths: plan.lengths,
    lines: plan.lines,
    pathIndex: plan.pathIndex,
    paths: plan.paths,
    fieldOffsets: plan.fieldOffsets,
    strings,
    matrix,
    scales: plan.scales,
    vocabulary: plan.vocabulary,
    termOffsets: plan.termOffsets,
    postings,
    documentFrequency: plan.documentFrequency,
  };
}

/** Fills `target` with what `emit` sends; emitting more or less than planned is a bug, caught here. */
function fill(target: Uint8Array, what: string, emit: (sink: ByteSink) => void): void {
  let offset = 0;
  emit((bytes) => {
    if (offset + bytes.byteLength > target.byteLength) throw new Error(`freezing emitted more ${what} than planned`);
    target.set(bytes, offset);
    offset += bytes.byteLength;
  });
  if (offset !== target.byteLength) throw new Error(`freezing emitted less ${what} than planned`);
}

/** Ids of the terms still in use, sorted by text: the base's are sorted already, the new ones are merged in. */
function keptTermsInOrder(state: IndexState): number[] {
  const baseTerms = state.base.vocabulary.length;
  const text = (id: number) => (id < baseTerms ? state.base.vocabulary[id] : state.newTerms[id - baseTerms]);
  const added: number[] = [];
  for (let i = 0; i < state.newTerms.length; i++) if (state.documentFrequency[baseTerms + i] > 0) added.push(baseTerms + i);
  added.sort((a, b) => (text(a) < text(b) ? -1 : 1));
  const kept: number[] = [];
  let next = 0;
  for (let id = 0; id < baseTerms; id++) {
    if (state.documentFrequency[id] <= 0) continue;
    while (next < added.length && text(added[next]) < state.base.vocabulary[id]) kept.push(added[next++]);
    kept.push(id);
  }
  while (next < added.length) kept.push(added[next++]);
  return kept;
}

/** The runs `[from, to)` of consecutive live rows among the first `rows`. */
function liveRuns(alive: Uint8Array, rows: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (let row = 0; row < rows; row++) {
    if (!alive[row]) continue;
    const from = row;
    while (row < rows && alive[row]) row++;
    runs.push([from, row]);
  }
  return runs;
}

/** The base's path table without the paths no live row uses; added rows' paths are numbered after them. */
function livePaths(base: FrozenIndex, runs: Array<[number, number]>) {
  const pathRemap = new Int32Array(base.paths.length).fill(-1);
  for (const [from, to] of runs) for (let row = from; row < to; row++) pathRemap[base.pathIndex[row]] = 0;
  const paths: string[] = [];
  base.paths.forEach((path, i) => {
    if (pathRemap[i] === 0) pathRemap[i] = paths.push(path) - 1;
  });
  const pathNumbers = new Map(paths.map((path, i) => [path, i]));
  const pathNumber = (path: string) => pathNumbers.get(path) ?? pathNumbers.set(path, paths.push(path) - 1).get(path)!;
  return { paths, pathRemap, pathNumber };
}

/** Text: base runs keep their bytes, shifted; added fields follow. */
function textOffsets(base: FrozenIndex, runs: Array<[number, number]>, addedFields: string[][], liveRows: number) {
  const fieldOffsets = new Uint32Array(liveRows * FIELDS_PER_ROW + 1);
  let written = 0;
  let at = 0;
  for (const [from, to] of runs) {
    const start = base.fieldOffsets[from * FIELDS_PER_ROW];
    const end = base.fieldOffsets[to * FIELDS_PER_ROW];
    for (let f = from * FIELDS_PER_ROW; f < to * FIELDS_PER_ROW; f++) {
      fieldOffsets[at * FIELDS_PER_ROW + f - from * FIELDS_PER_ROW] = base.fieldOffsets[f] - start + written;
    }
    written += end - start;
    at += to - from;
  }
  for (const fields of addedFields) {
    fields.forEach((value, f) => {
      fieldOffsets[at * FIELDS_PER_ROW + f] = written;
      written += Buffer.byteLength(value);
    });
    at++;
  }
  fieldOffsets[liveRows * FIELDS_PER_ROW] = written;
  const stringBytes = written;
  return { fieldOffsets, stringBytes };
}

/** Postings in term order: renumbered to live rows, or copied as they are when no base row died. */
function emitPostings(
  state: IndexState,
  kept: number[],
  newRow: Int32Array,
  baseUnchanged: boolean,
  sink: ByteSink,
  release: boolean,
): void {
  const { base } = state;
  const baseTerms = base.vocabulary.length;
  const block = new Uint32Array(POSTINGS_BLOCK);
  let filled = 0;
  const flush = () => {
    if (filled) sink(bytesOf(block.subarray(0, filled)));
    filled = 0;
  };
  const renumbered = (list: ArrayLike<number>, from: number, to: number) => {
    for (let j = from; j < to; j++) {
      const row = newRow[postingRow(list[j])];
      if (row < 0) continue;
      if (filled === block.length) flush();
      block[filled++] = posting(row, postingFrequency(list[j]));
    }
  };
  for (const id of kept) {
    if (id < baseTerms) {
      const from = base.termOffsets[id];
      const to = base.termOffsets[id + 1];
      if (baseUnchanged) {
        flush();
        sink(bytesOf(base.postings.subarray(from, to)));
      } else renumbered(base.postings, from, to);
    }
    const extra = state.addedPostings[id];
    if (extra) {
      renumbered(extra, 0, extra.length);
      if (release) state.addedPostings[id] = undefined;
    }
  }
  flush();
}
