import picomatch from 'picomatch';
import type { Chunk, SearchResult } from '../types';
import { analyze } from './analyzer';

export interface IndexedChunk extends Chunk {
  id: string;
  vector: Float32Array;
}

export interface SearchOptions {
  k?: number;
  /** Only chunks whose path matches one of these globs. */
  pathGlobs?: string[];
  /** Weight of the lexical score in the fused score; the vector score gets the rest. */
  lexicalWeight?: number;
}

/** Chosen on the eval sets (BENCHMARKS.md, "fusion"). */
export const DEFAULT_LEXICAL_WEIGHT = 0.7;
// Anserini's BM25 defaults, which suit short technical passages better than the textbook 1.2 / 0.75.
const K1 = 0.9;
const B = 0.4;
const CANDIDATES = 200;

/**
 * The in-memory search structure: BM25 postings and a dense vector matrix over the same chunks, updated
 * incrementally. Removed chunks are tombstoned and compacted away once they are a quarter of the rows.
 */
export class SearchIndex {
  private chunks: Array<IndexedChunk | undefined> = [];
  private rowOf = new Map<string, number>();
  private lengths: number[] = [];
  private postings = new Map<string, number[]>();
  private documentFrequency = new Map<string, number>();
  private totalLength = 0;
  private live = 0;
  private dead = 0;
  private matrix: Float32Array;
  /** Reused between queries: one score slot per row, reset after each query. */
  private accumulator = new Float64Array(0);
  private matched = new Float64Array(0);

  constructor(readonly dimensions: number) {
    this.matrix = new Float32Array(dimensions * 1024);
  }

  get size(): number {
    return this.live;
  }

  has(id: string): boolean {
    return this.rowOf.has(id);
  }

  /** `terms`, when given, must be `analyze(searchableText(chunk))`; indexing passes it to avoid analyzing twice. */
  add(chunk: IndexedChunk, terms: string[] = analyze(searchableText(chunk))): void {
    if (this.rowOf.has(chunk.id)) this.remove(chunk.id);
    const row = this.chunks.length;
    this.chunks.push(chunk);
    this.rowOf.set(chunk.id, row);
    const frequencies = new Map<string, number>();
    for (const term of terms) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
    for (const [term, tf] of frequencies) {
      let list = this.postings.get(term);
      if (!list) this.postings.set(term, (list = []));
      list.push(row, tf);
      this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
    }
    this.lengths[row] = terms.length;
    this.totalLength += terms.length;
    this.live++;
    if ((row + 1) * this.dimensions > this.matrix.length) {
      const grown = new Float32Array(this.matrix.length * 2);
      grown.set(this.matrix);
      this.matrix = grown;
    }
    this.matrix.set(chunk.vector, row * this.dimensions);
  }

  remove(id: string): void {
    const row = this.rowOf.get(id);
    if (row === undefined) return;
    const chunk = this.chunks[row]!;
    for (const term of new Set(analyze(searchableText(chunk)))) {
      const df = (this.documentFrequency.get(term) ?? 1) - 1;
      if (df > 0) this.documentFrequency.set(term, df);
      else this.documentFrequency.delete(term);
    }
    this.totalLength -= this.lengths[row];
    this.chunks[row] = undefined;
    this.rowOf.delete(id);
    this.live--;
    this.dead++;
    if (this.dead > 1000 && this.dead > this.live / 3) this.compact();
  }

  /** Hybrid search: BM25 and, when a query vector is given, cosine similarity, fused by a weighted sum. */
  search(query: string, queryVector: Float32Array | undefined, options: SearchOptions = {}): SearchResult[] {
    const k = options.k ?? 10;
    const lexicalWeight = options.lexicalWeight ?? DEFAULT_LEXICAL_WEIGHT;
    const allowed = this.allowedRows(options.pathGlobs);
    const lexical = this.scoreLexically(query, allowed);
    try {
      const similarities = queryVector ? this.scoreByVector(queryVector, allowed) : undefined;
      const candidates = new Set<number>(topRows(lexical.rows, lexical.scores, CANDIDATES));
      if (similarities) for (const row of topRows(undefined, similarities, CANDIDATES)) candidates.add(row);
      let maxLexical = 0;
      for (const row of candidates) maxLexical = Math.max(maxLexical, lexical.scores[row]);
      const results: SearchResult[] = [];
      for (const row of candidates) {
        const chunk = this.chunks[row]!;
        const lexicalScore = maxLexical > 0 ? lexical.scores[row] / maxLexical : 0;
        const vectorScore = similarities ? similarities[row] : 0;
        const score = similarities ? lexicalWeight * lexicalScore + (1 - lexicalWeight) * vectorScore : lexicalScore;
        results.push({
          path: chunk.path,
          startLine: chunk.startLine,
          endLine: chunk.endLine,
          headingPath: chunk.headingPath,
          anchor: chunk.anchor,
          text: chunk.text,
          score,
          lexicalScore,
          vectorScore,
          coverage: lexical.coverage[row],
        });
      }
      results.sort((a, b) => b.score - a.score || compareLocation(a, b));
      return results.slice(0, k);
    } finally {
      lexical.reset();
    }
  }

  *allChunks(): Iterable<IndexedChunk> {
    for (const chunk of this.chunks) if (chunk) yield chunk;
  }

  /**
   * BM25 score and coverage of every row that matches a query term, in per-row arrays reused between queries
   * (`reset` zeroes the rows touched). Coverage is the idf-weighted share of the query's distinct terms the row
   * contains; terms unknown to the index count with the highest idf, so a question about something the docs
   * never mention has low coverage.
   */
  private scoreLexically(query: string, allowed: ((row: number) => boolean) | undefined) {
    if (this.accumulator.length < this.chunks.length) {
      this.accumulator = new Float64Array(Math.max(1024, this.chunks.length * 2));
      this.matched = new Float64Array(this.accumulator.length);
    }
    const { accumulator, matched } = this;
    const rows: number[] = [];
    const averageLength = this.totalLength / Math.max(1, this.live);
    const queryTerms = new Set(analyze(query));
    let queryWeight = 0;
    for (const term of queryTerms) {
      const df = this.documentFrequency.get(term) ?? 0;
      const idf = Math.log(1 + (this.live - df + 0.5) / (df + 0.5));
      queryWeight += idf;
      const list = this.postings.get(term);
      if (!list || !df) continue;
      for (let i = 0; i < list.length; i += 2) {
        const row = list[i];
        if (!this.chunks[row] || (allowed && !allowed(row))) continue;
        const tf = list[i + 1];
        if (accumulator[row] === 0) rows.push(row);
        accumulator[row] += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * this.lengths[row]) / averageLength));
        matched[row] += idf;
      }
    }
    // Coverage is stored in `matched` once the query's total weight is known.
    if (queryWeight > 0) for (const row of rows) matched[row] /= queryWeight;
    return {
      rows,
      scores: accumulator,
      coverage: matched,
      reset: () => {
        for (const row of rows) accumulator[row] = matched[row] = 0;
      },
    };
  }

  /**
   * Cosine similarity of every row with `vector` (rows not allowed or removed get -Infinity). The hot path of a
   * query: only the query's non-zero dimensions are visited, which for the offline embedder's sparse query
   * vectors is a fraction of them; the result is the same as the full dot product.
   */
  private scoreByVector(vector: Float32Array, allowed: ((row: number) => boolean) | undefined): Float32Array {
    const matrix = this.matrix;
    const dims = this.dimensions;
    const rows = this.chunks.length;
    const nonZero: number[] = [];
    for (let i = 0; i < dims; i++) if (vector[i] !== 0) nonZero.push(i);
    const index = Int32Array.from(nonZero);
    const weight = Float32Array.from(nonZero, (i) => vector[i]);
    const count = index.length;
    const scores = new Float32Array(rows);
    for (let row = 0; row < rows; row++) {
      if (!this.chunks[row] || (allowed && !allowed(row))) {
        scores[row] = -Infinity;
        continue;
      }
      const offset = row * dims;
      let sum = 0;
      for (let j = 0; j < count; j++) sum += weight[j] * matrix[offset + index[j]];
      scores[row] = sum;
    }
    return scores;
  }

  private allowedRows(globs: string[] | undefined): ((row: number) => boolean) | undefined {
    if (!globs?.length) return undefined;
    const matches = picomatch(globs, { dot: true });
    const byPath = new Map<string, boolean>();
    return (row) => {
      const path = this.chunks[row]!.path;
      let ok = byPath.get(path);
      if (ok === undefined) byPath.set(path, (ok = matches(path)));
      return ok;
    };
  }

  private compact(): void {
    const keep = [...this.allChunks()];
    this.chunks = [];
    this.rowOf.clear();
    this.lengths = [];
    this.postings.clear();
    this.documentFrequency.clear();
    this.totalLength = 0;
    this.live = 0;
    this.dead = 0;
    for (const chunk of keep) this.add(chunk);
  }
}

/** What the lexical index sees: the heading path gives each passage the context its section title carries. */
export function searchableText(chunk: Pick<Chunk, 'headingPath' | 'text'>): string {
  return chunk.headingPath.length ? `${chunk.headingPath.join(' \n ')}\n${chunk.text}` : chunk.text;
}

/** The `n` best rows by score (among `rows`, or all rows), kept in a min-heap: one pass, no sort of every row. */
function topRows(rows: number[] | undefined, scores: Float64Array | Float32Array, n: number): number[] {
  const heap: number[] = [];
  const less = (a: number, b: number) => scores[heap[a]] < scores[heap[b]];
  const swap = (a: number, b: number) => ([heap[a], heap[b]] = [heap[b], heap[a]]);
  const offer = (row: number) => {
    const score = scores[row];
    if (score === -Infinity) return;
    if (heap.length < n) {
      heap.push(row);
      for (let i = heap.length - 1; i > 0 && less(i, (i - 1) >> 1); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
      return;
    }
    if (score <= scores[heap[0]]) return;
    heap[0] = row;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < heap.length && less(l, smallest)) smallest = l;
      if (r < heap.length && less(r, smallest)) smallest = r;
      if (smallest === i) break;
      swap(i, smallest);
      i = smallest;
    }
  };
  if (rows) for (const row of rows) offer(row);
  else for (let row = 0; row < scores.length; row++) offer(row);
  return heap;
}

function compareLocation(a: SearchResult, b: SearchResult): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : a.startLine - b.startLine;
}
