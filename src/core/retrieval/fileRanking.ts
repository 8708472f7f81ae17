import { analyze } from './analyzer';

/**
 * The second stage of a search: the best passages by fused score are grouped by file, the files ranked by a
 * small learned model, and the first places given to each file's best passage in that order (a reader and the
 * answer's budget see five pages there, not three passages of one). The fused score finds the right passage of
 * a page well; which page answers a question shows better across the page: how many of its passages match, its
 * title and path, the question's phrases. Measured in BENCHMARKS.md and docs/retrieval-variants.md.
 */

/** How many of the best passages by fused score the file ranking sees; the rest follow in fused order. */
export const RANKING_POOL = 60;

/** What the file ranking reads of one candidate passage (a search result before it is ordered). */
export interface RankingCandidate {
  path: string;
  headingPath: string[];
  text: string;
  /** The fused score: orders a file's passages among themselves. */
  score: number;
  lexicalScore: number;
  vectorScore: number;
  coverage: number;
  /** Which of the question's terms the passage holds (`RankingQuery.termBits`), when the search knows it. */
  termMask?: number;
  /** The text's analyzed terms, when the search has them (else the text is analyzed here). */
  terms?: readonly string[];
  /** Its title's, path's and heading path's terms, when the search has them (`fieldTermsOf`). */
  fields?: FieldTerms;
}

/** The question as the file ranking weighs it. */
export interface RankingQuery {
  /** The question's required terms with the weight coverage gives them (their idf in the index). */
  termWeights: ReadonlyMap<string, number>;
  /** Pairs of the question's consecutive terms, as `first second`. */
  termPairs: ReadonlySet<string>;
  /** `termPairs` by their first term: the second terms that follow it. */
  secondsByFirst: ReadonlyMap<string, ReadonlySet<string>>;
  /** Live passages per file in the index: 1 where every document is one passage. */
  passagesPerFile: number;
  /**
   * Each of `termPairs` as the bits of its two terms in a candidate's `termMask` (when the search gave them): a
   * candidate lacking a term of a pair cannot hold the pair. 0 stands for a term that may be in any candidate.
   */
  pairBits?: ReadonlyArray<readonly [number, number]>;
}

/** The features, in the order of `FILE_RANKING_WEIGHTS`. */
export const RANKING_FEATURES = [
  'lexical',
  'vector',
  'coverage',
  'matchingPassagesOfFile',
  'titleCoverage',
  'pathCoverage',
  'headingCoverage',
  'phraseMatch',
] as const;

/**
 * Learned by `npm run train:ranking` (scripts/trainRanking.ts): pairwise logistic regression on both dev sets of
 * `../shared/eval`, each set weighing the same, chosen by five-fold cross-validation (the folds' figures are in
 * docs/retrieval-variants.md). Retrain after changing a feature.
 */
export const FILE_RANKING_WEIGHTS: readonly number[] = [4.411, 1.834, 1.045, 1.384, 1.341, 2.045, 0.489, 1.432];

export function rankingQuery(
  question: string,
  termWeights: ReadonlyMap<string, number>,
  passagesPerFile: number,
  termBits?: ReadonlyMap<string, number>,
): RankingQuery {
  const terms = analyze(question);
  const termPairs = new Set<string>();
  const secondsByFirst = new Map<string, Set<string>>();
  for (let i = 0; i + 1 < terms.length; i++) {
    termPairs.add(`${terms[i]} ${terms[i + 1]}`);
    secondsByFirst.set(terms[i], (secondsByFirst.get(terms[i]) ?? new Set()).add(terms[i + 1]));
  }
  const pairBits = termBits && [...termPairs].map((pair) => pair.split(' ').map((term) => termBits.get(term) ?? 0) as [number, number]);
  return { termWeights, termPairs, secondsByFirst, passagesPerFile, pairBits };
}

/**
 * Whether a candidate may hold one of the question's term pairs: false when, by its `termMask`, it lacks a term of
 * every pair (then its text need not be read or analyzed for `phraseMatch`).
 */
export function mayHoldPhrase(termMask: number | undefined, { termPairs, pairBits }: RankingQuery): boolean {
  if (!termPairs.size) return false;
  if (termMask === undefined || !pairBits) return true;
  // A term with no bit was not looked up (too common for this search, or past the 31st): it may be anywhere.
  for (const [a, b] of pairBits) if ((!a || termMask & a) && (!b || termMask & b)) return true;
  return false;
}

/** The terms of what a passage is filed under: its page's title, its file's path, its heading path. */
export interface FieldTerms {
  title: ReadonlySet<string>;
  path: ReadonlySet<string>;
  heading: ReadonlySet<string>;
}

export function fieldTermsOf({ path, headingPath }: Pick<RankingCandidate, 'path' | 'headingPath'>): FieldTerms {
  return {
    title: new Set(analyze(headingPath[0] ?? '')),
    path: new Set(analyze(pathWords(path))),
    heading: new Set(analyze(headingPath.join('\n'))),
  };
}

/** Each candidate's features (see `RANKING_FEATURES`); how many passages of its file are among the candidates counts. */
export function rankingFeatures(candidates: readonly RankingCandidate[], query: RankingQuery): number[][] {
  const passagesOfFile = new Map<string, number>();
  for (const { path } of candidates) passagesOfFile.set(path, (passagesOfFile.get(path) ?? 0) + 1);
  // Several matching passages say a page is about the question only where pages have several passages: none
  // where every document is one (a collection of abstracts), most where a page has many.
  const severalPassages = 1 - 1 / Math.max(1, query.passagesPerFile);
  // As arrays, read by index: a map's entries, iterated for each of 60 candidates and three fields, made an array each.
  const weighedTerms = [...query.termWeights.keys()];
  const weights = [...query.termWeights.values()];
  let totalWeight = 0;
  for (const weight of weights) totalWeight += weight;
  const share = (terms: ReadonlySet<string>) => {
    if (!totalWeight) return 0;
    let found = 0;
    for (let i = 0; i < weighedTerms.length; i++) if (terms.has(weighedTerms[i])) found += weights[i];
    return found / totalWeight;
  };
  return candidates.map((candidate) => {
    const fields = candidate.fields ?? fieldTermsOf(candidate);
    return [
      candidate.lexicalScore,
      candidate.vectorScore,
      candidate.coverage,
      Math.log(passagesOfFile.get(candidate.path)!) * severalPassages,
      share(fields.title),
      share(fields.path),
      share(fields.heading),
      mayHoldPhrase(candidate.termMask, query) ? phraseMatch(candidate.terms ?? analyze(candidate.text), query) : 0,
    ];
  });
}

/** The model's score of one candidate's features. */
export function fileRankingScore(features: readonly number[], weights: readonly number[] = FILE_RANKING_WEIGHTS): number {
  let score = 0;
  for (let i = 0; i < weights.length; i++) score += weights[i] * features[i];
  return score;
}

/**
 * The candidates' order: files by their best model score; first each file's best passage by fused score, in the
 * files' order; then the files' other passages, file by file. Returns indexes into `candidates`.
 */
export function fileRankedOrder(candidates: readonly RankingCandidate[], modelScores: readonly number[]): number[] {
  const files = new Map<string, { best: number; passages: number[] }>();
  candidates.forEach(({ path }, i) => {
    const file = files.get(path);
    if (!file) files.set(path, { best: modelScores[i], passages: [i] });
    else {
      file.best = Math.max(file.best, modelScores[i]);
      file.passages.push(i);
    }
  });
  // Stable sorts: ties keep the candidates' (fused) order.
  const ranked = [...files.values()].sort((a, b) => b.best - a.best);
  for (const file of ranked) file.passages.sort((a, b) => candidates[b].score - candidates[a].score);
  return [...ranked.map((file) => file.passages[0]), ...ranked.flatMap((file) => file.passages.slice(1))];
}

/** The candidates in file-ranked order, by the shipped model. */
export function rankByFile<T extends RankingCandidate>(candidates: readonly T[], query: RankingQuery): T[] {
  const features = rankingFeatures(candidates, query);
  return fileRankedOrder(
    candidates,
    features.map((row) => fileRankingScore(row)),
  ).map((i) => candidates[i]);
}

/** The words of a file's path: a page named `using-gpus` is about GPUs. */
export function pathWords(path: string): string {
  return path.replace(/\.[A-Za-z0-9]+$/, '').replace(/[/\\_.-]+/g, ' ');
}

/** Share of the question's consecutive term pairs that stand together in the passage too. */
function phraseMatch(terms: readonly string[], { termPairs, secondsByFirst }: RankingQuery): number {
  if (!termPairs.size) return 0;
  const found = new Set<string>();
  for (let i = 0; i + 1 < terms.length; i++) {
    const seconds = secondsByFirst.get(terms[i]);
    if (seconds?.has(terms[i + 1])) found.add(`${terms[i]} ${terms[i + 1]}`);
  }
  return found.size / termPairs.size;
}
