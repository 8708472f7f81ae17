import picomatch from 'picomatch';
import type { SearchResult } from '../types';
import type { FrozenIndex } from './frozenIndex';

/** The vectors of an index's rows: its frozen base (quantized) and the rows added since (floats), with tombstones. */
export interface VectorRows {
  base: FrozenIndex;
  addedMatrix: Float32Array;
  alive: Uint8Array;
  rows: number;
  dimensions: number;
}

/**
 * With `ranking: 'passages'`: of the first few results, at most this many come from one file; its next passages
 * make way for other files' best ones and follow right after (ray-docs: the gold section in the first five
 * 0.524 → 0.537, nDCG@10 unchanged). The file ranking gives each file one of the first places.
 */
export const FIRST_PLACES = 5;
export const PER_FILE_IN_FIRST_PLACES = 2;

/**
 * Cosine similarity of every row with `vector` (rows not allowed or removed get -Infinity). The hot path of a
 * query: only the query's non-zero dimensions are visited, which for the offline embedder's sparse query
 * vectors is a fraction of them; the result is the same as the full dot product. The base is read a column at a
 * time (see `FrozenIndex.matrix`), four columns per pass over the scores.
 */
export function vectorScores(rows: VectorRows, vector: Float32Array, allowed: ((row: number) => boolean) | undefined): Float32Array {
  const dims = rows.dimensions;
  const nonZero: number[] = [];
  for (let i = 0; i < dims; i++) if (vector[i] !== 0) nonZero.push(i);
  const count = nonZero.length;
  const scores = new Float32Array(rows.rows);
  const { rows: baseRows, matrix, scales } = rows.base;
  let j = 0;
  for (; j + 4 <= count; j += 4) {
    const [d0, d1, d2, d3] = [nonZero[j], nonZero[j + 1], nonZero[j + 2], nonZero[j + 3]];
    const [w0, w1, w2, w3] = [vector[d0], vector[d1], vector[d2], vector[d3]];
    const [c0, c1, c2, c3] = [d0 * baseRows, d1 * baseRows, d2 * baseRows, d3 * baseRows];
    for (let row = 0; row < baseRows; row++)
      scores[row] += w0 * matrix[c0 + row] + w1 * matrix[c1 + row] + w2 * matrix[c2 + row] + w3 * matrix[c3 + row];
  }
  for (; j < count; j++) {
    const [weight, column] = [vector[nonZero[j]], nonZero[j] * baseRows];
    for (let row = 0; row < baseRows; row++) scores[row] += weight * matrix[column + row];
  }
  for (let row = 0; row < baseRows; row++) scores[row] *= scales[row];
  for (let row = baseRows; row < scores.length; row++) {
    const offset = (row - baseRows) * dims;
    let sum = 0;
    for (const d of nonZero) sum += vector[d] * rows.addedMatrix[offset + d];
    scores[row] = sum;
  }
  for (let row = 0; row < scores.length; row++) if (!rows.alive[row] || (allowed && !allowed(row))) scores[row] = -Infinity;
  return scores;
}

/**
 * The `n` best rows by score (among `rows`, or all rows), kept in a min-heap: one pass, no sort of every row. Plain
 * loops without closures or swaps through arrays: it runs over every row of every query, and those allocated
 * about a third of a search's garbage.
 */
export function topRows(rows: number[] | undefined, scores: Float64Array | Float32Array, n: number): number[] {
  const heap: number[] = [];
  const count = rows ? rows.length : scores.length;
  for (let at = 0; at < count; at++) {
    const row = rows ? rows[at] : at;
    const score = scores[row];
    if (score === -Infinity) continue;
    if (heap.length < n) {
      // Sifted up from the end.
      let i = heap.length;
      heap.push(row);
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!(score < scores[heap[parent]])) break;
        heap[i] = heap[parent];
        i = parent;
      }
      heap[i] = row;
      continue;
    }
    if (score <= scores[heap[0]]) continue;
    // Replaces the smallest and sifts it down.
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      let smallestScore = score;
      if (left < heap.length && scores[heap[left]] < smallestScore) {
        smallest = left;
        smallestScore = scores[heap[left]];
      }
      if (right < heap.length && scores[heap[right]] < smallestScore) smallest = right;
      if (smallest === i) break;
      heap[i] = heap[smallest];
      i = smallest;
    }
    heap[i] = row;
  }
  return heap;
}

/** Results in score order, but with at most `PER_FILE_IN_FIRST_PLACES` of one file in the first `FIRST_PLACES`. */
export function spreadOverFiles<T extends { path: string }>(results: T[]): T[] {
  const first: T[] = [];
  const after: T[] = [];
  const placed = new Map<string, number>();
  for (const result of results) {
    const fromFile = placed.get(result.path) ?? 0;
    if (first.length < FIRST_PLACES && fromFile < PER_FILE_IN_FIRST_PLACES) {
      first.push(result);
      placed.set(result.path, fromFile + 1);
    } else after.push(result);
  }
  return [...first, ...after];
}

export function compareLocation(a: Pick<SearchResult, 'path' | 'startLine'>, b: Pick<SearchResult, 'path' | 'startLine'>): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : a.startLine - b.startLine;
}

/** Which rows a path filter lets through (each path matched once), or undefined when there is no filter. */
export function rowsOfPaths(pathAt: (row: number) => string, globs: string[] | undefined): ((row: number) => boolean) | undefined {
  if (!globs?.length) return undefined;
  const matches = picomatch(globs, { dot: true });
  const byPath = new Map<string, boolean>();
  return (row) => {
    const path = pathAt(row);
    let ok = byPath.get(path);
    if (ok === undefined) byPath.set(path, (ok = matches(path)));
    return ok;
  };
}
