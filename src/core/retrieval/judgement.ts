import { SETTING_DEFAULTS } from '../settings';

/** Below this coverage of the question by the best passage, the docs are taken not to cover it. */
export const DEFAULT_ABSTAIN_THRESHOLD = SETTING_DEFAULTS['answer.abstainThreshold'];

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
}

export function judge(
  results: ReadonlyArray<{ coverage: number }>,
  index: IndexState = INDEX_READY,
  threshold: number = DEFAULT_ABSTAIN_THRESHOLD,
): Judgement {
  const coverage = results.reduce((max, r) => Math.max(max, r.coverage), 0);
  return { covered: results.length > 0 && coverage >= threshold, coverage: Number(coverage.toFixed(4)), threshold, index };
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
