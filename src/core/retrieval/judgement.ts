import { SETTING_DEFAULTS } from '../settings';
import type { QuestionEvidence } from '../types';

/**
 * Below this coverage of the question by the best passage, the docs are taken not to cover it; above it, the
 * judgement model decides (`judgementScore`).
 */
export const DEFAULT_ABSTAIN_THRESHOLD = SETTING_DEFAULTS['answer.abstainThreshold'];

/**
 * The judgement's features, in the order of its weights: the best coverage; the share of the question's weight on
 * words the docs barely use (a chance match on one of them is what makes an off-topic question look covered); the
 * best passage's vector score; the log of how many terms the question has (a long question's best passage covers a
 * smaller share of it: a claim paraphrases its paper); and the next best coverage by another passage (the docs
 * treat a real subject in more than one place).
 */
export const JUDGEMENT_FEATURES = ['coverage', 'rare share', 'vector score', 'log terms', 'second coverage'] as const;

/**
 * A logistic model's weights (bias last), fitted by `npm run train:judgement` (scripts/trainJudgement.ts) on both dev
 * sets against off-topic questions, cross-validated in BENCHMARKS.md. The vector weight holds only for the offline
 * embedder's scores, the ones it was fitted on; other searches use the weights fitted without it.
 */
export const JUDGEMENT_WEIGHTS = {
  withVectors: [4.155, -2.037, 2.82, 3.384, 4.303, -8.685],
  wordsAlone: [4.599, -1.942, 0, 3.663, 4.537, -9.157],
};
/** The embedder whose vector scores the judgement's weights were fitted on. */
export const JUDGED_EMBEDDER = 'hashing-v3-256';

/** The judgement's feature values for one search (see `JUDGEMENT_FEATURES`). */
export function judgementFeatures(question: QuestionEvidence): number[] {
  return [
    question.bestCoverage,
    question.rareShare,
    question.bestVector ?? 0,
    Math.log(Math.max(1, question.terms)),
    question.secondCoverage,
  ];
}

/** Above zero: the judgement model takes the docs to cover the question. */
export function judgementScore(question: QuestionEvidence, weights: readonly number[] = weightsFor(question)): number {
  const features = judgementFeatures(question);
  return features.reduce((sum, value, i) => sum + value * weights[i], weights[features.length]);
}

const weightsFor = (question: QuestionEvidence) =>
  question.bestVector === undefined ? JUDGEMENT_WEIGHTS.wordsAlone : JUDGEMENT_WEIGHTS.withVectors;

/**
 * The judgement model was fitted on docs sets of 3,500 and 5,200 passages; in a smaller one its signals mean less
 * (few words are rare, few passages share a subject), so there the coverage alone decides: at the default
 * threshold, at the bar before the model (0.35); at a threshold the user set, at that.
 */
export const JUDGEMENT_MIN_PASSAGES = 1000;
export const SMALL_DOCS_DEFAULT_BAR = 0.35;

/** The coverage a question needs in a docs set too small for the judgement model (see `JUDGEMENT_MIN_PASSAGES`). */
export function smallDocsBar(threshold: number): number {
  return threshold === DEFAULT_ABSTAIN_THRESHOLD ? SMALL_DOCS_DEFAULT_BAR : threshold;
}

/**
 * Whether the docs cover a question, from the search's evidence on it: never below the coverage threshold; always
 * when one passage holds every word of the question and the docs use each of them ("dashboard", "what is raylet":
 * a short question in the docs' own words, which the model, fitted mostly on longer ones, would doubt); otherwise
 * as the judgement model says (in a small docs set, by coverage alone: `JUDGEMENT_MIN_PASSAGES`).
 */
export function coversQuestion(question: QuestionEvidence, threshold: number, weights: readonly number[] = weightsFor(question)): boolean {
  if (question.bestCoverage < threshold) return false;
  if (question.passages < JUDGEMENT_MIN_PASSAGES) return question.bestCoverage >= smallDocsBar(threshold);
  if (question.bestCoverage >= 0.99 && question.rareShare === 0) return true;
  return judgementScore(question, weights) >= 0;
}

/** Search results whose vector scores the judgement may weigh: another embedder's are left out of its evidence. */
export function withJudgedVectors<T extends { question?: QuestionEvidence }>(results: T[], embedderId: string): T[] {
  const question = results[0]?.question;
  if (embedderId === JUDGED_EMBEDDER || question?.bestVector === undefined) return results;
  // One search's evidence is one object on all its results: stripped once, shared again.
  const words = { ...question, bestVector: undefined };
  for (const result of results) result.question = words;
  return results;
}

/** Where the index stands while results are served from it. */
export type IndexState =
  | { state: 'ready' }
  /** The first build runs: results come from the files indexed so far. */
  | { state: 'building'; filesDone: number; filesTotal: number }
  /** Files changed and are being indexed again: a changed file's passages may be at old lines, or missing. */
  | { state: 'stale' };

export const INDEX_READY: IndexState = { state: 'ready' };

/**
 * What every surface says about one set of passages, decided once here: whether the docs cover the question (the
 * panel's abstain, `@groundwork`, the agents' tools and `search --json` all read this), how much of it the best
 * passage covers, and the index's state.
 */
export interface Judgement {
  covered: boolean;
  /** How much of the question the best passage covers, 0 to 1 (rare words weigh more). */
  coverage: number;
  threshold: number;
  index: IndexState;
  /** Why the docs do not appear to cover it, for a person or an agent (only when not covered). */
  reason?: string;
}

/**
 * `by`: `judgement` (questions) weighs the search's evidence on the question with the judgement model once the
 * coverage reaches the threshold; `coverage` (Explain Selection's code, whose words are mostly syntax) takes the
 * threshold alone.
 */
export function judge(
  results: ReadonlyArray<{ coverage: number; question?: QuestionEvidence }>,
  index: IndexState = INDEX_READY,
  threshold: number = DEFAULT_ABSTAIN_THRESHOLD,
  by: 'judgement' | 'coverage' = 'judgement',
): Judgement {
  const question = results[0]?.question;
  const coverage = Number(Math.max(question?.bestCoverage ?? 0, ...results.map((r) => r.coverage)).toFixed(4));
  const judged = results.length > 0 && by === 'judgement' && question !== undefined;
  const covered = results.length > 0 && (judged ? coversQuestion(question, threshold) : coverage >= threshold);
  const judgement: Judgement = { covered, coverage, threshold, index };
  if (!covered && results.length) judgement.reason = whyNotCovered(coverage, threshold, judged ? question : undefined);
  return judgement;
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

function whyNotCovered(coverage: number, threshold: number, question: QuestionEvidence | undefined): string {
  const holds = `the best passage holds ${percent(coverage)} of the question`;
  if (coverage < threshold) return `${holds}, below the ${percent(threshold)} Groundwork needs`;
  if (question && question.passages < JUDGEMENT_MIN_PASSAGES)
    return `${holds}, below the ${percent(smallDocsBar(threshold))} Groundwork needs in docs this small`;
  return `${holds}, but weighed with how rarely these docs use its words and how few passages treat it, that reads as a chance match`;
}

/** One line for a person or an agent on what the index state means for these results; empty when ready. */
export function describeIndexState(index: IndexState): string {
  if (index.state === 'building')
    return `The index is still being built (${index.filesDone} of ${index.filesTotal} files so far): these results come from a partial index.`;
  if (index.state === 'stale') return 'Some files changed and are being indexed again: their passages may be missing or at old lines.';
  return '';
}

/**
 * The index's state from what its owner knows: whether an update runs, whether one has ever finished for this
 * index, its progress (files read of those it reads), and whether changed files wait for the next update.
 */
export function indexStateOf(known: {
  updating: boolean;
  builtOnce: boolean;
  done: number;
  total: number;
  pendingChanges?: boolean;
}): IndexState {
  if (known.updating && !known.builtOnce) return { state: 'building', filesDone: known.done, filesTotal: known.total };
  if (known.pendingChanges || (known.updating && known.total > known.done)) return { state: 'stale' };
  return INDEX_READY;
}
