import { queryTerms } from './analyzer';
import { type FrozenIndex, postingFrequency, postingRow } from './frozenIndex';
import { rareTermsAtMost } from './questionEvidence';

// k1 1.2 (the textbook value) with b 0.4 (Anserini's): chosen across both dev sets (BENCHMARKS.md, "Retrieval
// variants"); 0.9 scored lower once headings were weighted.
const K1 = 1.2;
const B = 0.4;
const OPTIONAL_TERM_WEIGHT = 0.5;
/** `maxTermShare` applies only to terms in more passages than this, so a small workspace keeps every term. */
const COMMON_TERM_MIN_PASSAGES = 20;

/** What BM25 scoring reads of a search index: its frozen base, the postings added since, and per-row facts. */
export interface LexicalIndex {
  live: number;
  rowCount: number;
  averageLength: number;
  alive: Uint8Array;
  base: FrozenIndex;
  documentFrequency: Int32Array;
  addedPostings: ReadonlyArray<number[] | undefined>;
  /** A term's id, or -1 when the index does not know it. */
  termId(term: string): number;
  lengthOf(row: number): number;
}

export type LexicalScores = ReturnType<LexicalScratch['score']>;

/** Per-row arrays reused between queries (one search at a time), so a query allocates only for the rows it touches. */
export class LexicalScratch {
  private accumulator = new Float64Array(0);
  private matched = new Float64Array(0);
  /** Per row, which of the query's terms it holds (a bit each, `termBits`): which passages may hold a phrase. */
  private termMasks = new Uint32Array(0);

  /**
   * BM25 score and coverage of every row that matches a query term, in per-row arrays reused between queries
   * (`reset` zeroes the rows touched). Coverage is the idf-weighted share of the query's distinct terms the row
   * contains; terms unknown to the index count with the highest idf, so a question about something the docs
   * never mention has low coverage.
   */
  score(index: LexicalIndex, query: string, allowed: ((row: number) => boolean) | undefined, maxTermShare: number) {
    const rowCount = index.rowCount;
    if (this.accumulator.length < rowCount) {
      this.accumulator = new Float64Array(Math.max(1024, rowCount * 2));
      this.matched = new Float64Array(this.accumulator.length);
      this.termMasks = new Uint32Array(this.accumulator.length);
    }
    const { accumulator, matched, termMasks } = this;
    const { alive, base, live, averageLength } = index;
    const termBits = new Map<string, number>();
    const rows: number[] = [];
    let queryWeight = 0;
    let rareWeight = 0;
    const rareAtMost = rareTermsAtMost(live);
    const termWeights = new Map<string, number>();
    const visit = (list: ArrayLike<number>, from: number, to: number, idf: number, covers: boolean, bit: number) => {
      for (let i = from; i < to; i++) {
        const row = postingRow(list[i]);
        if (!alive[row] || (allowed && !allowed(row))) continue;
        const tf = postingFrequency(list[i]);
        if (accumulator[row] === 0) rows.push(row);
        accumulator[row] += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * index.lengthOf(row)) / averageLength));
        if (covers) matched[row] += idf;
        termMasks[row] |= bit;
      }
    };
    const idfOf = (df: number) => Math.log(1 + (live - df + 0.5) / (df + 0.5));
    const score = (term: string, weight: number, covers: boolean) => {
      const id = index.termId(term);
      const df = id >= 0 ? index.documentFrequency[id] : 0;
      if (df > COMMON_TERM_MIN_PASSAGES && df > maxTermShare * live) return;
      const idf = idfOf(df) * weight;
      if (covers) {
        queryWeight += idf;
        if (df <= rareAtMost) rareWeight += idf;
        termWeights.set(term, idf);
      }
      // An unknown term gets a bit too (in no row): a pair with it stands in no passage.
      const bit = termBits.size < 31 ? 1 << termBits.size : 0;
      if (bit) termBits.set(term, bit);
      if (!df) return;
      if (id < base.vocabulary.length) visit(base.postings, base.termOffsets[id], base.termOffsets[id + 1], idf, covers, bit);
      const extra = index.addedPostings[id];
      if (extra) visit(extra, 0, extra.length, idf, covers, bit);
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
      termMasks,
      /** Each query term's bit in `termMasks`; a term without one (too common to look up, or past the 31st) may be in any. */
      termBits,
      /** The required terms that count for coverage, with their weight. */
      termWeights,
      /** The share of that weight on terms the docs barely use (see `rareTermsAtMost`). */
      rareShare: queryWeight > 0 ? rareWeight / queryWeight : 0,
      reset: () => {
        for (const row of rows) accumulator[row] = matched[row] = termMasks[row] = 0;
      },
    };
  }
}
