/** A contiguous, line-addressed piece of one document: the unit that is embedded, searched and cited. */
export interface Chunk {
  /** Path relative to the indexed folder, always with `/` separators. */
  path: string;
  /** Headings from the document title down to this chunk's section. */
  headingPath: string[];
  /** 1-based, inclusive. */
  startLine: number;
  /** 1-based, inclusive. */
  endLine: number;
  /** Fragment that links to the section, e.g. `installing-ray`. Empty when the section has none. */
  anchor: string;
  text: string;
  tokens: number;
}

export interface SearchResult {
  path: string;
  startLine: number;
  endLine: number;
  headingPath: string[];
  anchor: string;
  text: string;
  score: number;
  /** Lexical (BM25) part of the fused score, normalised to 0..1 within the query. */
  lexicalScore: number;
  /** Cosine similarity of the query and chunk vectors. */
  vectorScore: number;
  /**
   * Share of the query's meaning (its terms, weighted by rarity) that the chunk contains, 0..1. Unlike the
   * fused score it is absolute, so it tells whether the docs cover a question at all.
   */
  coverage: number;
  /** The whole section the passage is in (subsections included), when it was asked for (`withSections`). */
  section?: { startLine: number; endLine: number };
  /** What the search saw of the question (the same on every result of one search): what the judgement reads. */
  question?: QuestionEvidence;
}

/** A search's evidence on the question itself, over every passage that matched it (`judge` reads it). */
export interface QuestionEvidence {
  /** How many passages the index holds (the judgement model needs a docs set of some size). */
  passages: number;
  /** How many of the question's terms count for coverage. */
  terms: number;
  /** The share of their weight on words the docs barely use (in at most one passage, or one in 1500). */
  rareShare: number;
  /** The best coverage of the question by any passage that matched, 0 to 1. */
  bestCoverage: number;
  /** The next best coverage by another passage: a question the docs treat covers more than one passage well. */
  secondCoverage: number;
  /** That passage's vector score, when the search had a query vector from the offline embedder. */
  bestVector?: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export type ProgressReporter = (progress: { done: number; total: number; message?: string }) => void;
