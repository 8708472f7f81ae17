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
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export type ProgressReporter = (progress: { done: number; total: number; message?: string }) => void;
