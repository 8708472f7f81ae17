import type { QuestionEvidence } from '../types';

/**
 * A question's word the docs hold in at most one passage in this many (or in one, or none) is one they barely use: a match on
 * it alone is chance ("capital" once in the Ray docs), which the judgement weighs (`QuestionEvidence.rareShare`).
 */
const RARE_TERM_PASSAGES = 1500;

/** The most passages a word may be in and still count as one the docs barely use (never fewer than one). */
export function rareTermsAtMost(passages: number): number {
  return Math.max(1, Math.floor(passages / RARE_TERM_PASSAGES));
}

/**
 * What the judgement reads of one search (`QuestionEvidence`), over every row that matched rather than the first k,
 * so that whether the docs cover a question does not depend on how many passages were asked for.
 */
export function questionEvidence(
  lexical: { rows: number[]; coverage: Float64Array; termWeights: Map<string, number>; rareShare: number },
  similarities: Float32Array | undefined,
  passages: number,
): QuestionEvidence {
  let best = -1;
  let second = 0;
  for (const row of lexical.rows) {
    const coverage = lexical.coverage[row];
    if (best < 0 || coverage > lexical.coverage[best]) {
      if (best >= 0) second = lexical.coverage[best];
      best = row;
    } else if (coverage > second) second = coverage;
  }
  return {
    passages,
    terms: lexical.termWeights.size,
    rareShare: Number(lexical.rareShare.toFixed(4)),
    bestCoverage: best < 0 ? 0 : Number(lexical.coverage[best].toFixed(4)),
    secondCoverage: Number(second.toFixed(4)),
    bestVector: best >= 0 && similarities ? Number(similarities[best].toFixed(4)) : undefined,
  };
}
