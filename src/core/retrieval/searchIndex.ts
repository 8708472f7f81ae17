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
    const { scores: lexical, coverage } = this.lexicalScores(query, allowed);
    const vectorScores = new Map<number, number>();
    if (queryVector) {
      for (const row of this.topVectorRows(queryVector, allowed, CANDIDATES)) vectorScores.set(row.row, row.score);
    }
    const candidates = new Set<number>([...topRows(lexical, CANDIDATES), ...vectorScores.keys()]);
    let maxLexical = 0;
    for (const row of candidates) maxLexical = Math.max(maxLexical, lexical.get(row) ?? 0);
    const results: SearchResult[] = [];
    for (const row of candidates) {
      const chunk = this.chunks[row]!;
      const lexicalScore = maxLexical > 0 ? (lexical.get(row) ?? 0) / maxLexical : 0;
      const vectorScore = vectorScores.get(row) ?? (queryVector ? this.similarity(queryVector, row) : 0);
      const score = queryVector ? lexicalWeight * lexicalScore + (1 - lexicalWeight) * vectorScore : lexicalScore;
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
        coverage: coverage.get(row) ?? 0,
      });
    }
    results.sort((a, b) => b.score - a.score || compareLocation(a, b));
    return results.slice(0, k);
  }

  *allChunks(): Iterable<IndexedChunk> {
    for (const chunk of this.chunks) if (chunk) yield chunk;
  }

  /**
   * BM25 scores of every row that matches a query term (rows that match nothing are absent), and each row's
   * coverage: the idf-weighted share of the query's distinct terms it contains. Terms unknown to the index
   * count with the highest idf, so a question about something the docs never mention has low coverage.
   */
  private lexicalScores(
    query: string,
    allowed: ((row: number) => boolean) | undefined,
  ): { scores: Map<number, number>; coverage: Map<number, number> } {
    const scores = new Map<number, number>();
    const coverage = new Map<number, number>();
    if (!this.live) return { scores, coverage };
    if (this.accumulator.length < this.chunks.length) {
      this.accumulator = new Float64Array(Math.max(1024, this.chunks.length * 2));
      this.matched = new Float64Array(this.accumulator.length);
    }
    const { accumulator, matched } = this;
    const touched: number[] = [];
    const averageLength = this.totalLength / this.live;
    let queryWeight = 0;
    for (const term of new Set(analyze(query))) {
      const df = this.documentFrequency.get(term) ?? 0;
      const idf = Math.log(1 + (this.live - df + 0.5) / (df + 0.5));
      queryWeight += idf;
      const list = this.postings.get(term);
      if (!list || !df) continue;
      for (let i = 0; i < list.length; i += 2) {
        const row = list[i];
        if (!this.chunks[row] || (allowed && !allowed(row))) continue;
        const tf = list[i + 1];
        const norm = tf + K1 * (1 - B + (B * this.lengths[row]) / averageLength);
        if (accumulator[row] === 0) touched.push(row);
        accumulator[row] += (idf * tf * (K1 + 1)) / norm;
        matched[row] += idf;
      }
    }
    for (const row of touched) {
      scores.set(row, accumulator[row]);
      coverage.set(row, queryWeight > 0 ? matched[row] / queryWeight : 0);
      accumulator[row] = 0;
      matched[row] = 0;
    }
    return { scores, coverage };
  }

  private topVectorRows(
    vector: Float32Array,
    allowed: ((row: number) => boolean) | undefined,
    n: number,
  ): Array<{ row: number; score: number }> {
    const top: Array<{ row: number; score: number }> = [];
    let floor = -Infinity;
    for (let row = 0; row < this.chunks.length; row++) {
      if (!this.chunks[row] || (allowed && !allowed(row))) continue;
      const score = this.similarity(vector, row);
      if (top.length >= n && score <= floor) continue;
      top.push({ row, score });
      if (top.length > n * 2) {
        top.sort((a, b) => b.score - a.score);
        top.length = n;
        floor = top[n - 1].score;
      }
    }
    top.sort((a, b) => b.score - a.score);
    return top.slice(0, n);
  }

  private similarity(vector: Float32Array, row: number): number {
    const offset = row * this.dimensions;
    let sum = 0;
    for (let i = 0; i < this.dimensions; i++) sum += vector[i] * this.matrix[offset + i];
    return sum;
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

/** The `n` best rows by score, without sorting every matching row. */
function topRows(scores: Map<number, number>, n: number): number[] {
  if (scores.size <= n) return [...scores.keys()];
  const values = Float64Array.from(scores.values()).sort();
  const floor = values[values.length - n];
  const top: number[] = [];
  for (const [row, score] of scores) if (score >= floor && top.length < n) top.push(row);
  return top;
}

function compareLocation(a: SearchResult, b: SearchResult): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : a.startLine - b.startLine;
}
