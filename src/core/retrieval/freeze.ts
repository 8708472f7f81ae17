import { type ChunkRecord, FIELDS_PER_ROW, type FrozenIndex, quantizeInto } from './frozenIndex';

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
  /** By term id: postings added after the base; each list is dropped (set undefined) once copied. */
  addedPostings: Array<number[] | undefined>;
  /** Live base rows whose chunk moved to other lines since the base was frozen: [startLine, endLine]. */
  movedBaseLines: ReadonlyMap<number, readonly [number, number]>;
}

/**
 * Everything live in `state`, frozen into flat arrays. Nothing is analyzed again: the base's live rows are
 * copied in runs, its postings with rows renumbered (or as they are when no base row died), and only the added
 * rows and new terms are laid out one by one. `releaseVectors` is called once the added vectors are copied.
 */
export function freezeIndex(state: IndexState, releaseVectors: () => void): FrozenIndex {
  const { base, dimensions: dims } = state;
  const total = base.rows + state.added.length;
  const newRow = new Int32Array(total).fill(-1);
  let liveRows = 0;
  for (let row = 0; row < total; row++) if (state.alive[row]) newRow[row] = liveRows++;
  const runs = liveRuns(state.alive, base.rows);
  const liveBaseRows = runs.reduce((sum, [from, to]) => sum + to - from, 0);

  // Paths: the base's table without the paths no live row uses, then the added rows' paths.
  const pathRemap = new Int32Array(base.paths.length).fill(-1);
  for (const [from, to] of runs) for (let row = from; row < to; row++) pathRemap[base.pathIndex[row]] = 0;
  const paths: string[] = [];
  base.paths.forEach((path, i) => {
    if (pathRemap[i] === 0) pathRemap[i] = paths.push(path) - 1;
  });
  const pathNumbers = new Map(paths.map((path, i) => [path, i]));
  const pathNumber = (path: string) => pathNumbers.get(path) ?? pathNumbers.set(path, paths.push(path) - 1).get(path)!;

  const lengths = new Int32Array(liveRows);
  const lines = new Int32Array(liveRows * 3);
  const pathIndex = new Uint32Array(liveRows);
  const matrix = new Int8Array(liveRows * dims);
  const scales = new Float32Array(liveRows);
  let at = 0;
  for (const [from, to] of runs) {
    lengths.set(base.lengths.subarray(from, to), at);
    lines.set(base.lines.subarray(from * 3, to * 3), at * 3);
    matrix.set(base.matrix.subarray(from * dims, to * dims), at * dims);
    scales.set(base.scales.subarray(from, to), at);
    for (let row = from; row < to; row++) pathIndex[at + row - from] = pathRemap[base.pathIndex[row]];
    at += to - from;
  }
  for (const [row, [startLine, endLine]] of state.movedBaseLines) {
    if (newRow[row] >= 0) lines.set([startLine, endLine], newRow[row] * 3);
  }
  const addedFields: string[][] = [];
  let stringBytes = runs.reduce(
    (sum, [from, to]) => sum + base.fieldOffsets[to * FIELDS_PER_ROW] - base.fieldOffsets[from * FIELDS_PER_ROW],
    0,
  );
  state.added.forEach((chunk, slot) => {
    if (!state.alive[base.rows + slot]) return;
    lengths[at] = state.addedLengths[slot];
    lines.set([chunk.startLine, chunk.endLine, chunk.tokens], at * 3);
    quantizeInto(state.addedMatrix.subarray(slot * dims, (slot + 1) * dims), matrix, scales, at);
    pathIndex[at] = pathNumber(chunk.path);
    const fields = [chunk.id, JSON.stringify(chunk.headingPath), chunk.anchor, chunk.text];
    for (const value of fields) stringBytes += Buffer.byteLength(value);
    addedFields.push(fields);
    at++;
  });
  releaseVectors();

  const strings = Buffer.allocUnsafe(stringBytes);
  const fieldOffsets = new Uint32Array(liveRows * FIELDS_PER_ROW + 1);
  let written = 0;
  at = 0;
  for (const [from, to] of runs) {
    const start = base.fieldOffsets[from * FIELDS_PER_ROW];
    const end = base.fieldOffsets[to * FIELDS_PER_ROW];
    base.strings.copy(strings, written, start, end);
    for (let f = from * FIELDS_PER_ROW; f < to * FIELDS_PER_ROW; f++) {
      fieldOffsets[at * FIELDS_PER_ROW + f - from * FIELDS_PER_ROW] = base.fieldOffsets[f] - start + written;
    }
    written += end - start;
    at += to - from;
  }
  for (const fields of addedFields) {
    fields.forEach((value, f) => {
      fieldOffsets[at * FIELDS_PER_ROW + f] = written;
      written += strings.write(value, written);
    });
    at++;
  }
  fieldOffsets[liveRows * FIELDS_PER_ROW] = written;

  const kept = keptTermsInOrder(state);
  const baseTerms = base.vocabulary.length;
  const vocabulary = kept.map((id) => (id < baseTerms ? base.vocabulary[id] : state.newTerms[id - baseTerms]));
  const documentFrequency = Int32Array.from(kept, (id) => state.documentFrequency[id]);
  const termOffsets = new Uint32Array(kept.length + 1);
  for (let i = 0; i < kept.length; i++) termOffsets[i + 1] = termOffsets[i] + documentFrequency[i] * 2;
  const postings = new Int32Array(termOffsets[kept.length]);
  // With every base row live, base rows keep their numbers and their postings are copied as they are.
  const baseUnchanged = liveBaseRows === base.rows;
  kept.forEach((id, i) => {
    let next = termOffsets[i];
    if (id < baseTerms) {
      const from = base.termOffsets[id];
      const to = base.termOffsets[id + 1];
      if (baseUnchanged) {
        postings.set(base.postings.subarray(from, to), next);
        next += to - from;
      } else {
        for (let j = from; j < to; j += 2) {
          const row = newRow[base.postings[j]];
          if (row < 0) continue;
          postings[next++] = row;
          postings[next++] = base.postings[j + 1];
        }
      }
    }
    const extra = state.addedPostings[id];
    if (extra) {
      for (let j = 0; j < extra.length; j += 2) {
        const row = newRow[extra[j]];
        if (row < 0) continue;
        postings[next++] = row;
        postings[next++] = extra[j + 1];
      }
      state.addedPostings[id] = undefined;
    }
  });

  return {
    dimensions: dims,
    rows: liveRows,
    lengths,
    lines,
    pathIndex,
    paths,
    fieldOffsets,
    strings,
    matrix,
    scales,
    vocabulary,
    termOffsets,
    postings,
    documentFrequency,
  };
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
