import type { Chunk } from '../types';
import { pathWords, type RankingCandidate, type RankingQuery } from './fileRanking';

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
  /**
   * Query terms found in more than this share of passages are ignored (when they are in more than a handful):
   * a word that common says little about any one passage. A query of only such words finds nothing.
   */
  maxTermShare?: number;
  /**
   * `files` (the default): the best passages' files ranked by the learned file ranking (see `rankByFile`);
   * `passages`: by fused score alone, at most two of one file in the first five (for comparisons).
   */
  ranking?: 'files' | 'passages';
  /** Give each result its whole section's line span (read from the index's chunks of its file). */
  withSections?: boolean;
  /** Sees the file ranking's candidates (best fused score first) and question before they are ordered: for training it. */
  observeRanking?: (candidates: readonly RankingCandidate[], query: RankingQuery) => void;
}

/**
 * What the lexical index and the embedder see of a passage: the words of its file's path (a page named
 * `using-gpus` is about GPUs), its heading path twice (a weighted field, as in BM25F: a section's title says more
 * about it than any one sentence), then its text. Measured in BENCHMARKS.md, "Retrieval variants".
 */
export function searchableText(chunk: Pick<Chunk, 'path' | 'headingPath' | 'text'>): string {
  const path = pathWords(chunk.path);
  if (!chunk.headingPath.length) return `${path}\n${chunk.text}`;
  const headings = chunk.headingPath.join(' \n ');
  return `${path}\n${headings}\n${headings}\n${chunk.text}`;
}
