import { RecentlyUsed } from '../recentlyUsed';
import type { SearchResult } from '../types';
import { analyze } from './analyzer';
import { type FieldTerms, fieldTermsOf, mayHoldPhrase, RANKING_POOL, rankByFile, rankingQuery } from './fileRanking';
import { type FreezePlan, freezeIndex, type IndexState, planFreeze } from './freeze';
import { compareLocation, FIRST_PLACES, PER_FILE_IN_FIRST_PLACES, rowsOfPaths, spreadOverFiles, topRows, vectorScores } from './rowScoring';
import { grown } from './grown';
import { LexicalScratch, type LexicalScores } from './lexicalScoring';
import { questionEvidence } from './questionEvidence';
import { type IndexedChunk, type SearchOptions, searchableText } from './searchTypes';
import type { SpillStrings } from './stringSection';
import {
  type ChunkRecord,
  dequantizedRow,
  emptyFrozenIndex,
  type FrozenIndex,
  frozenChunk,
  frozenId,
  frozenText,
  findTerm,
  MOST_POSTING_ROWS,
  posting,
  type StringReader,
} from './frozenIndex';

export type { IndexedChunk, SearchOptions } from './searchTypes';
export { searchableText } from './searchTypes';

/** A search result while it is ranked: its row, which query terms it holds, and its terms once analyzed. */
type Candidate = SearchResult & { row: number; termMask: number; terms?: string[]; fields?: FieldTerms };

let nextVersion = 1;

/** Chosen on the eval sets (BENCHMARKS.md, "fusion"). */
export const DEFAULT_LEXICAL_WEIGHT = 0.7;
const CANDIDATES = 200;
/** Rows whose analyzed terms are kept for the file ranking (about 6 MB at most): the same passages come back. */
const KEPT_ROWS = 4096;
/**
 * Added rows are kept as objects, strings and growable arrays, several times the size of their frozen form: a
 * large build folds them into the frozen base once there are this many, and at least a quarter as many as the
 * base holds (each fold copies the base, so a fixed step would make a build quadratic; at half, the cpp-docs
 * build's last fold held 18,000 added rows beside two bases, about 40 MB more at its peak for no time saved).
 * Measured on cpp-docs in docs/memory-profile.md.
 */
const FREEZE_ADDED_ROWS = 8192;
const FREEZE_GROWTH = 0.25;
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
  private scratch = new LexicalScratch();
  /**
   * Moves on with every change to the rows (numbered across every index of the process, so two indexes never
   * share one): what was derived from the rows at another version is stale.
   */
  version = nextVersion++;
  /** The analyzed terms, and the title, path and heading terms, of rows the file ranking read lately. */
  private termsOfRows = new RecentlyUsed<number, string[]>(KEPT_ROWS);
  private fieldsOfRows = new RecentlyUsed<number, FieldTerms>(KEPT_ROWS);
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

  /** The live chunk with this id, without its vector; without `withText`, its text is left empty and not read. */
  chunk(id: string, withText = true): ChunkRecord | undefined {
    const row = this.ids().get(id);
    return row === undefined ? undefined : this.chunkAt(row, undefined, withText);
  }

  /** A copy of the vector of the live chunk with this id. */
  vectorOf(id: string): Float32Array | undefined {
    const row = this.ids().get(id);
    return row === undefined ? undefined : this.vectorAt(row);
  }

  /** `terms`, when given, must be `analyze(searchableText(chunk))`; indexing passes it to avoid analyzing twice. */
  add(chunk: IndexedChunk, terms: string[] = analyze(searchableText(chunk))): void {
    this.version = nextVersion++;
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
    this.version = nextVersion++;
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
    this.version = nextVersion++;
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
        .map(({ row, score, lexicalScore, vectorScore }): Candidate => {
          const { path, startLine, endLine, headingPath, anchor } = this.chunkAt(row, undefined, false);
          const [coverage, termMask] = [lexical.coverage[row], lexical.termMasks[row]];
          return {
            row,
            path,
            startLine,
            endLine,
            headingPath,
            anchor,
            text: '',
            score,
            lexicalScore,
            vectorScore,
            coverage,
            termMask,
            question,
          };
        });
      results.sort((a, b) => b.score - a.score || compareLocation(a, b));
      // A passage's text is read only where it is needed: each result returned, and (analyzed, and kept a while) a
      // candidate that may hold one of the question's phrases, for the file ranking.
      const withText = (entries: Candidate[]): SearchResult[] =>
        entries.map(({ row, path, startLine, endLine, headingPath, anchor, score, lexicalScore, vectorScore, coverage, question }) => {
          const text = this.textAt(row);
          return { path, startLine, endLine, headingPath, anchor, text, score, lexicalScore, vectorScore, coverage, question };
        });
      if (!byFile) return withText(spreadOverFiles(results).slice(0, k));
      const ranking = rankingQuery(query, lexical.termWeights, this.passagesPerFile(), lexical.termBits);
      const pool = results.slice(0, RANKING_POOL);
      for (const candidate of pool) {
        candidate.fields = this.fieldsOfRows.of(candidate.row, () => fieldTermsOf(candidate));
        if (mayHoldPhrase(candidate.termMask, ranking))
          candidate.terms = this.termsOfRows.of(candidate.row, (row) => analyze(this.textAt(row)));
      }
      options.observeRanking?.(pool, ranking);
      return withText([...rankByFile(pool, ranking), ...results.slice(RANKING_POOL)].slice(0, k));
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
    this.version = nextVersion++;
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
    this.termsOfRows.clear();
    this.fieldsOfRows.clear();
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

  /** A row's chunk; without `withText`, its text is left empty and not read. */
  private chunkAt(row: number, read?: StringReader, withText = true): ChunkRecord {
    if (row >= this.base.rows) return this.added[row - this.base.rows];
    const chunk = frozenChunk(this.base, row, read, withText);
    const moved = this.movedBaseLines.get(row);
    if (moved) [chunk.startLine, chunk.endLine] = moved;
    return chunk;
  }

  private textAt(row: number): string {
    return row >= this.base.rows ? this.added[row - this.base.rows].text : frozenText(this.base, row);
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

  /** BM25 scores, coverage and term masks of the rows that match the query (see `LexicalScratch`). */
  private scoreLexically(query: string, allowed: ((row: number) => boolean) | undefined, maxTermShare = 1): LexicalScores {
    return this.scratch.score(
      {
        live: this.live,
        rowCount: this.rowCount,
        averageLength: this.totalLength / Math.max(1, this.live),
        alive: this.alive,
        base: this.base,
        documentFrequency: this.documentFrequency,
        addedPostings: this.addedPostings,
        termId: (term) => this.termId(term, false),
        lengthOf: (row) => this.lengthOf(row),
      },
      query,
      allowed,
      maxTermShare,
    );
  }
}
