import type { SearchResult } from '../types';
import { analyze, queryTerms } from './analyzer';
import { RANKING_POOL, rankByFile, rankingQuery } from './fileRanking';
import { type FreezePlan, freezeIndex, type IndexState, planFreeze } from './freeze';
import { compareLocation, FIRST_PLACES, PER_FILE_IN_FIRST_PLACES, rowsOfPaths, spreadOverFiles, topRows, vectorScores } from './rowScoring';
import { grown } from './grown';
import { questionEvidence, rareTermsAtMost } from './questionEvidence';
import { type IndexedChunk, type SearchOptions, searchableText } from './searchTypes';
import type { SpillStrings } from './stringSection';
import {
  type ChunkRecord,
  dequantizedRow,
  emptyFrozenIndex,
  type FrozenIndex,
  frozenChunk,
  frozenId,
  findTerm,
  MOST_POSTING_ROWS,
  posting,
  postingFrequency,
  postingRow,
  type StringReader,
} from './frozenIndex';

export type { IndexedChunk, SearchOptions } from './searchTypes';
export { searchableText } from './searchTypes';

/** Chosen on the eval sets (BENCHMARKS.md, "fusion"). */
export const DEFAULT_LEXICAL_WEIGHT = 0.7;
// k1 1.2 (the textbook value) with b 0.4 (Anserini's): chosen across both dev sets (BENCHMARKS.md, "Retrieval
// variants"); 0.9 scored lower once headings were weighted.
const K1 = 1.2;
const B = 0.4;
const CANDIDATES = 200;
const OPTIONAL_TERM_WEIGHT = 0.5;
/**
 * Added rows are kept as objects, strings and growable arrays, several times the size of their frozen form: a
 * large build folds them into the frozen base once there are this many, and at least a quarter as many as the
 * base holds (each fold copies the base, so a fixed step would make a build quadratic; at half, the cpp-docs
 * build's last fold held 18,000 added rows beside two bases, about 40 MB more at its peak for no time saved).
 * Measured on cpp-docs in docs/memory-profile.md.
 */
const FREEZE_ADDED_ROWS = 8192;
const FREEZE_GROWTH = 0.25;
/** `maxTermShare` applies only to terms in more passages than this, so a small workspace keeps every term. */
const COMMON_TERM_MIN_PASSAGES = 20;
/**
 * The in-memory search structure: BM25 postings and a dense vector matrix over the same chunks. It is a frozen
 * base (flat typed arrays, as loaded from a snapshot or produced by compaction) plus the rows added since, kept
 * in growable arrays. Removed rows are tombstoned; compaction freezes everything live into a new base.
 */
export class SearchIndex {
  private base: FrozenIndex;
  /** Rows added after the base was frozen; row `base.rows + i` is `added[i]`. */
  private added: ChunkRecord[] = [];
  private addedLengths: number[] = [];
  private addedMatrix: Float32Array;
  private alive: Uint8Array;
  /** Ids of terms the base does not know, numbered after the base's vocabulary. */
  private newTermIds = new Map<string, number>();
  private newTerms: string[] = [];
  /** By term id: live rows containing the term. */
  private documentFrequency: Int32Array;
  /** By term id: postings (see `posting`) added after the base was frozen. */
  private addedPostings: Array<number[] | undefined> = [];
  /** Built on first use: opening a large index must not decode every id. */
  private rowOfId: Map<string, number> | undefined;
  /** The base vocabulary as a map, built on the first write. */
  private baseTermIds: Map<string, number> | undefined;
  /** Base rows moved to new lines (`moveLines`); the base itself is never written to, a snapshot may be reading it. */
  private movedBaseLines = new Map<number, readonly [number, number]>();
  private totalLength = 0;
  private live = 0;
  private dead = 0;
  /** Reused between adds: a term's count in the chunk being added, by term id, zero between adds. */
  private termCounts = new Int32Array(0);
  /** Reused between queries: one score slot per row, reset after each query. */
  private accumulator = new Float64Array(0);
  private matched = new Float64Array(0);
  /** Live passages per live file, for the file ranking; recounted after a write. */
  private passagesPerFileCount: number | undefined;

  constructor(
    readonly dimensions: number,
    base: FrozenIndex = emptyFrozenIndex(dimensions),
    /** Where compaction puts the strings of the new base (see `SpillStrings`); in memory without it. */
    private readonly spillStrings?: SpillStrings,
  ) {
    if (base.dimensions !== dimensions) throw new Error(`a ${base.dimensions}-dimension index cannot hold ${dimensions}-dimension vectors`);
    this.base = base;
    this.addedMatrix = new Float32Array(dimensions * 64);
    this.alive = new Uint8Array(Math.max(64, base.rows)).fill(1, 0, base.rows);
    this.documentFrequency = Int32Array.from(base.documentFrequency);
    for (let row = 0; row < base.rows; row++) this.totalLength += base.lengths[row];
    this.live = base.rows;
  }

  get size(): number {
    return this.live;
  }

  private get rowCount(): number {
    return this.base.rows + this.added.length;
  }

  /** Builds the lookups writes need now (otherwise built on the first write; opening a snapshot defers them). */
  prepareForWrites(): void {
    this.ids();
    this.termIdsForWrites();
  }

  private termIdsForWrites(): void {
    if (this.baseTermIds) return;
    this.baseTermIds = new Map();
    this.base.vocabulary.forEach((term, id) => this.baseTermIds!.set(term, id));
  }

  has(id: string): boolean {
    return this.ids().has(id);
  }

  /** The live chunk with this id, without its vector. */
  chunk(id: string): ChunkRecord | undefined {
    const row = this.ids().get(id);
    return row === undefined ? undefined : this.chunkAt(row);
  }

  /** A copy of the vector of the live chunk with this id. */
  vectorOf(id: string): Float32Array | undefined {
    const row = this.ids().get(id);
    return row === undefined ? undefined : this.vectorAt(row);
  }

  /** `terms`, when given, must be `analyze(searchableText(chunk))`; indexing passes it to avoid analyzing twice. */
  add(chunk: IndexedChunk, terms: string[] = analyze(searchableText(chunk))): void {
    if (chunk.vector.length !== this.dimensions) throw new Error(`chunk ${chunk.id} has a ${chunk.vector.length}-dimension vector`);
    // Removing first: a removal may compact, which renumbers rows and rebuilds the lookups used below.
    if (this.ids().has(chunk.id)) this.remove(chunk.id);
    this.termIdsForWrites();
    const ids = this.ids();
    const row = this.rowCount;
    if (row >= MOST_POSTING_ROWS) throw new Error(`an index holds at most ${MOST_POSTING_ROWS} passages`);
    const { vector, ...record } = chunk;
    const slot = this.added.length;
    this.added.push(record);
    this.addedLengths.push(terms.length);
    ids.set(chunk.id, row);
    // Term frequencies counted by term id in a reused array, not a map per chunk (garbage a build makes 62,000 of).
    const touched: number[] = [];
    for (const term of terms) {
      const id = this.termId(term, true);
      if (id >= this.termCounts.length) this.termCounts = grown(this.termCounts, id + 1);
      if (this.termCounts[id]++ === 0) touched.push(id);
    }
    for (const id of touched) {
      (this.addedPostings[id] ??= []).push(posting(row, this.termCounts[id]));
      this.termCounts[id] = 0;
      this.documentFrequency[id]++;
    }
    this.totalLength += terms.length;
    this.live++;
    this.passagesPerFileCount = undefined;
    if (row >= this.alive.length) this.alive = grown(this.alive, row + 1);
    this.alive[row] = 1;
    if ((slot + 1) * this.dimensions > this.addedMatrix.length) this.addedMatrix = grown(this.addedMatrix, (slot + 1) * this.dimensions);
    this.addedMatrix.set(vector, slot * this.dimensions);
    if (this.added.length >= Math.max(FREEZE_ADDED_ROWS, this.base.rows * FREEZE_GROWTH)) this.freeze();
  }

  /**
   * Gives a live chunk new lines and keeps the rest: id, text, terms and vector. An edit above an unchanged
   * section moves it; this spares removing and adding it again (analysis and postings) on every save.
   */
  moveLines(id: string, startLine: number, endLine: number): void {
    const row = this.ids().get(id);
    if (row === undefined) throw new Error(`no chunk ${id} to move`);
    if (row < this.base.rows) {
      this.movedBaseLines.set(row, [startLine, endLine]);
    } else {
      const slot = row - this.base.rows;
      this.added[slot] = { ...this.added[slot], startLine, endLine };
    }
  }

  remove(id: string): void {
    this.termIdsForWrites();
    const ids = this.ids();
    const row = ids.get(id);
    if (row === undefined) return;
    for (const term of new Set(analyze(searchableText(this.chunkAt(row))))) {
      const termId = this.termId(term, false);
      if (termId >= 0) this.documentFrequency[termId]--;
    }
    this.totalLength -= this.lengthOf(row);
    this.alive[row] = 0;
    this.movedBaseLines.delete(row);
    ids.delete(id);
    this.live--;
    this.dead++;
    this.passagesPerFileCount = undefined;
    if (this.dead > 1000 && this.dead > this.live / 3) this.compact();
  }

  /** Hybrid search: BM25 and, when a query vector is given, cosine similarity, fused by a weighted sum. */
  search(query: string, queryVector: Float32Array | undefined, options: SearchOptions = {}): SearchResult[] {
    const k = options.k ?? 10;
    const lexicalWeight = options.lexicalWeight ?? DEFAULT_LEXICAL_WEIGHT;
    const allowed = rowsOfPaths((row) => this.pathAt(row), options.pathGlobs);
    const lexical = this.scoreLexically(query, allowed, options.maxTermShare);
    try {
      const similarities = queryVector
        ? vectorScores(
            { base: this.base, addedMatrix: this.addedMatrix, alive: this.alive, rows: this.rowCount, dimensions: this.dimensions },
            queryVector,
            allowed,
          )
        : undefined;
      const question = questionEvidence(lexical, similarities, this.live);
      const candidates = new Set<number>(topRows(lexical.rows, lexical.scores, CANDIDATES));
      if (similarities) for (const row of topRows(undefined, similarities, CANDIDATES)) candidates.add(row);
      let maxLexical = 0;
      for (const row of candidates) maxLexical = Math.max(maxLexical, lexical.scores[row]);
      const scored: Array<{ row: number; score: number; lexicalScore: number; vectorScore: number }> = [];
      for (const row of candidates) {
        const lexicalScore = maxLexical > 0 ? lexical.scores[row] / maxLexical : 0;
        const vectorScore = similarities ? similarities[row] : 0;
        const score = similarities ? lexicalWeight * lexicalScore + (1 - lexicalWeight) * vectorScore : lexicalScore;
        scored.push({ row, score, lexicalScore, vectorScore });
      }
      // Only the rows that can be returned or reordered are decoded: the file ranking's pool, or the first k and a
      // few more for spreading the first places over files to pull up; a tie is broken by location, so those are
      // decoded too.
      const byFile = options.ranking !== 'passages';
      const decoded = byFile ? Math.max(k, RANKING_POOL) : k + FIRST_PLACES - PER_FILE_IN_FIRST_PLACES;
      const results = scored
        .sort((a, b) => b.score - a.score)
        .filter((entry, i, all) => i < decoded || entry.score === all[decoded - 1].score)
        .map(({ row, score, lexicalScore, vectorScore }): SearchResult => {
          const { path, startLine, endLine, headingPath, anchor, text } = this.chunkAt(row);
          const coverage = lexical.coverage[row];
          return { path, startLine, endLine, headingPath, anchor, text, score, lexicalScore, vectorScore, coverage, question };
        });
      results.sort((a, b) => b.score - a.score || compareLocation(a, b));
      if (!byFile) return spreadOverFiles(results).slice(0, k);
      const ranking = rankingQuery(query, lexical.termWeights, this.passagesPerFile());
      const pool = results.slice(0, RANKING_POOL);
      options.observeRanking?.(pool, ranking);
      return [...rankByFile(pool, ranking), ...results.slice(RANKING_POOL)].slice(0, k);
    } finally {
      lexical.reset();
    }
  }

  *allChunksWithVectors(): Iterable<{ chunk: ChunkRecord; vector: Float32Array }> {
    const scan = this.base.strings.scanner();
    for (let row = 0; row < this.rowCount; row++) if (this.alive[row]) yield { chunk: this.chunkAt(row, scan), vector: this.vectorAt(row) };
  }

  /** Releases the snapshot file the base's strings are read from; the index is not used after this. */
  close(): void {
    this.base.strings.close();
  }

  private vectorAt(row: number): Float32Array {
    const dims = this.dimensions;
    if (row < this.base.rows) return dequantizedRow(this.base, row);
    const slot = row - this.base.rows;
    return this.addedMatrix.slice(slot * dims, (slot + 1) * dims);
  }

  /**
   * Everything live, frozen into flat arrays that become the new base: the form a snapshot is written in, and
   * the compaction that drops tombstoned rows (see `freezeIndex`).
   */
  freeze(): FrozenIndex {
    if (!this.added.length && !this.dead && !this.movedBaseLines.size) return this.base;
    // Nothing reads the added rows' vectors again before `reset`: released as soon as they are quantized, which
    // keeps the peak memory of freezing a large build near the size of the index.
    const frozen = freezeIndex(this.state(), () => (this.addedMatrix = new Float32Array(0)), this.spillStrings);
    this.reset(frozen);
    return frozen;
  }

  /**
   * Everything live, planned as a frozen index but left as it is: a snapshot is written from the plan without a
   * second copy of the index in memory. Emit it before anything changes the index.
   */
  snapshotPlan(): FreezePlan {
    return planFreeze(this.state());
  }

  private state(): IndexState {
    return {
      base: this.base,
      dimensions: this.dimensions,
      alive: this.alive,
      added: this.added,
      addedLengths: this.addedLengths,
      addedMatrix: this.addedMatrix,
      newTerms: this.newTerms,
      documentFrequency: this.documentFrequency,
      addedPostings: this.addedPostings,
      movedBaseLines: this.movedBaseLines,
    };
  }

  private compact(): void {
    this.freeze();
  }

  private reset(base: FrozenIndex): void {
    if (base !== this.base) this.base.strings.close();
    this.base = base;
    this.added = [];
    this.addedLengths = [];
    this.addedMatrix = new Float32Array(this.dimensions * 64);
    this.alive = new Uint8Array(Math.max(64, base.rows)).fill(1, 0, base.rows);
    this.newTermIds.clear();
    this.newTerms = [];
    this.documentFrequency = Int32Array.from(base.documentFrequency);
    this.addedPostings = [];
    this.movedBaseLines = new Map();
    this.rowOfId = undefined;
    this.baseTermIds = undefined;
    this.live = base.rows;
    this.dead = 0;
    this.passagesPerFileCount = undefined;
  }

  /** Live passages per file: 1 where every document is one passage, more where pages are long. */
  private passagesPerFile(): number {
    if (this.passagesPerFileCount === undefined) {
      const files = new Set<string>();
      for (let row = 0; row < this.rowCount; row++) if (this.alive[row]) files.add(this.pathAt(row));
      this.passagesPerFileCount = files.size ? this.live / files.size : 1;
    }
    return this.passagesPerFileCount;
  }

  private chunkAt(row: number, read?: StringReader): ChunkRecord {
    if (row >= this.base.rows) return this.added[row - this.base.rows];
    const chunk = frozenChunk(this.base, row, read);
    const moved = this.movedBaseLines.get(row);
    if (moved) [chunk.startLine, chunk.endLine] = moved;
    return chunk;
  }

  private pathAt(row: number): string {
    return row < this.base.rows ? this.base.paths[this.base.pathIndex[row]] : this.added[row - this.base.rows].path;
  }

  private lengthOf(row: number): number {
    return row < this.base.rows ? this.base.lengths[row] : this.addedLengths[row - this.base.rows];
  }

  private ids(): Map<string, number> {
    if (!this.rowOfId) {
      this.rowOfId = new Map();
      const scan = this.base.strings.scanner();
      for (let row = 0; row < this.base.rows; row++) if (this.alive[row]) this.rowOfId.set(frozenId(this.base, row, scan), row);
      this.added.forEach((chunk, i) => {
        if (this.alive[this.base.rows + i]) this.rowOfId!.set(chunk.id, this.base.rows + i);
      });
    }
    return this.rowOfId;
  }

  /**
   * A term's id: its place in the base vocabulary, or a number after it; -1 for an unknown term unless `create`.
   * Queries look up a few terms by binary search; writes look up hundreds, through a map built on the first.
   */
  private termId(term: string, create: boolean): number {
    const known = this.baseTermIds ? (this.baseTermIds.get(term) ?? -1) : findTerm(this.base.vocabulary, term);
    if (known >= 0) return known;
    let id = this.newTermIds.get(term);
    if (id === undefined) {
      if (!create) return -1;
      id = this.base.vocabulary.length + this.newTerms.push(term) - 1;
      this.newTermIds.set(term, id);
      if (id >= this.documentFrequency.length) this.documentFrequency = grown(this.documentFrequency, id + 1);
    }
    return id;
  }

  /**
   * BM25 score and coverage of every row that matches a query term, in per-row arrays reused between queries
   * (`reset` zeroes the rows touched). Coverage is the idf-weighted share of the query's distinct terms the row
   * contains; terms unknown to the index count with the highest idf, so a question about something the docs
   * never mention has low coverage.
   */
  private scoreLexically(query: string, allowed: ((row: number) => boolean) | undefined, maxTermShare = 1) {
    const rowCount = this.rowCount;
    if (this.accumulator.length < rowCount) {
      this.accumulator = new Float64Array(Math.max(1024, rowCount * 2));
      this.matched = new Float64Array(this.accumulator.length);
    }
    const { accumulator, matched, alive, base } = this;
    const rows: number[] = [];
    const averageLength = this.totalLength / Math.max(1, this.live);
    let queryWeight = 0;
    let rareWeight = 0;
    const rareAtMost = rareTermsAtMost(this.live);
    const termWeights = new Map<string, number>();
    const visit = (list: ArrayLike<number>, from: number, to: number, idf: number, covers: boolean) => {
      for (let i = from; i < to; i++) {
        const row = postingRow(list[i]);
        if (!alive[row] || (allowed && !allowed(row))) continue;
        const tf = postingFrequency(list[i]);
        if (accumulator[row] === 0) rows.push(row);
        accumulator[row] += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * this.lengthOf(row)) / averageLength));
        if (covers) matched[row] += idf;
      }
    };
    const idfOf = (df: number) => Math.log(1 + (this.live - df + 0.5) / (df + 0.5));
    const score = (term: string, weight: number, covers: boolean) => {
      const id = this.termId(term, false);
      const df = id >= 0 ? this.documentFrequency[id] : 0;
      if (df > COMMON_TERM_MIN_PASSAGES && df > maxTermShare * this.live) return;
      const idf = idfOf(df) * weight;
      if (covers) {
        queryWeight += idf;
        if (df <= rareAtMost) rareWeight += idf;
        termWeights.set(term, idf);
      }
      if (!df) return;
      if (id < base.vocabulary.length) visit(base.postings, base.termOffsets[id], base.termOffsets[id + 1], idf, covers);
      const extra = this.addedPostings[id];
      if (extra) visit(extra, 0, extra.length, idf, covers);
    };
    // Optional terms (an identifier's whole form, an open compound's words) score at half weight and do not count
    // for coverage: "back end" must find "backend" before a page that only says "end".
    const { required, optional } = queryTerms(query);
    for (const term of required) score(term, 1, true);
    for (const term of optional) score(term, OPTIONAL_TERM_WEIGHT, false);
    // Coverage is stored in `matched` once the query's total weight is known.
    if (queryWeight > 0) for (const row of rows) matched[row] /= queryWeight;
    return {
      rows,
      scores: accumulator,
      coverage: matched,
      /** The required terms that count for coverage, with their weight. */
      termWeights,
      /** The share of that weight on terms the docs barely use (see `rareTermsAtMost`). */
      rareShare: queryWeight > 0 ? rareWeight / queryWeight : 0,
      reset: () => {
        for (const row of rows) accumulator[row] = matched[row] = 0;
      },
    };
  }
}
