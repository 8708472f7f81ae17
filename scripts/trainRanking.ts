/**
 * `npm run train:ranking`: learns the file ranking's weights (src/core/retrieval/fileRanking.ts) on both dev sets
 * of ../shared/eval and reports them by five-fold cross-validation, so the figures are for questions the weights
 * were not fitted on. The model is a pairwise logistic regression: a question's gold file's best passage against
 * every other file's best passage, each set weighing the same however many questions it has.
 * Prints the cross-validated figures beside the fused ranking's, then the weights fitted on all questions.
 */
import os from 'node:os';
import path from 'node:path';
import { HashingEmbedder } from '../src/core/embedding/hashingEmbedder';
import { type EvalQuery, scoreRun } from '../src/core/eval/metrics';
import { DocsIndex } from '../src/core/indexing/docsIndex';
import { EVAL, readDevQueries } from './evalSets';
import {
  FILE_RANKING_WEIGHTS,
  fileRankedOrder,
  fileRankingScore,
  RANKING_FEATURES,
  type RankingCandidate,
  rankingFeatures,
} from '../src/core/retrieval/fileRanking';
import type { SearchResult } from '../src/core/types';

const WORK = path.join(os.tmpdir(), 'groundwork-train-ranking');
const SETS = ['ray-docs', 'scifact'] as const;
const FOLDS = 5;
const L2 = 1e-3;
const EPOCHS = 400;
const LEARNING_RATE = 5;

interface Question {
  set: (typeof SETS)[number];
  query: EvalQuery;
  candidates: RankingCandidate[];
  features: number[][];
  /** The fused ranking as shipped before the file ranking (`ranking: 'passages'`). */
  fused: SearchResult[];
}

async function collect(set: Question['set'], workDir: string): Promise<Question[]> {
  const queries = await readDevQueries(set);
  const index = await DocsIndex.open({
    root: path.join(EVAL, set, 'corpus'),
    indexDir: path.join(workDir, set),
    embedder: new HashingEmbedder(),
  });
  try {
    await index.update();
    const questions: Question[] = [];
    for (const query of queries) {
      let seen: Pick<Question, 'candidates' | 'features'> | undefined;
      await index.search(query.question, {
        k: 50,
        observeRanking: (candidates, ranking) => (seen = { candidates: [...candidates], features: rankingFeatures(candidates, ranking) }),
      });
      const fused = await index.search(query.question, { k: 50, ranking: 'passages' });
      questions.push({ set, query, ...seen!, fused });
    }
    return questions;
  } finally {
    await index.close();
  }
}

/** Feature differences: the gold file's best passage minus each other file's best passage. */
function pairs(question: Question): number[][] {
  const relevant = new Set(question.query.relevant.map((r) => r.split('#')[0]));
  const bestOfFile = new Map<string, number>();
  question.candidates.forEach(({ path: file }, i) => {
    if (!bestOfFile.has(file)) bestOfFile.set(file, i);
  });
  const gold = [...bestOfFile].filter(([file]) => relevant.has(file)).map(([, i]) => i);
  const others = [...bestOfFile].filter(([file]) => !relevant.has(file)).map(([, i]) => i);
  return gold.flatMap((g) => others.map((o) => question.features[g].map((value, f) => value - question.features[o][f])));
}

function train(questions: Question[]): number[] {
  const perSet = new Map<string, number>();
  for (const q of questions) perSet.set(q.set, (perSet.get(q.set) ?? 0) + 1);
  const rows: number[][] = [];
  const weights: number[] = [];
  for (const q of questions) {
    const differences = pairs(q);
    for (const d of differences) {
      rows.push(d);
      weights.push(1 / differences.length / perSet.get(q.set)!);
    }
  }
  const total = weights.reduce((a, b) => a + b, 0);
  const w = new Array<number>(RANKING_FEATURES.length).fill(0);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const gradient = w.map((value) => L2 * value);
    rows.forEach((d, r) => {
      const p = 1 / (1 + Math.exp(fileRankingScore(d, w)));
      const scale = (weights[r] / total) * p;
      for (let f = 0; f < w.length; f++) gradient[f] -= scale * d[f];
    });
    for (let f = 0; f < w.length; f++) w[f] -= LEARNING_RATE * gradient[f];
  }
  return w;
}

function ranked(question: Question, weights: readonly number[]): SearchResult[] {
  const order = fileRankedOrder(
    question.candidates,
    question.features.map((row) => fileRankingScore(row, weights)),
  );
  return order.map((i) => question.candidates[i] as SearchResult).slice(0, 50);
}

function scores(questions: Question[], rank: (q: Question) => SearchResult[]) {
  return scoreRun(
    questions.map((q) => q.query),
    new Map(questions.map((q) => [q.query.id, rank(q)])),
  );
}

/** A fixed shuffle (a linear congruential generator), so every run cuts the same folds. */
function shuffled<T>(items: T[], seed = 1): T[] {
  const copy = [...items];
  let state = seed;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

export interface RankingReport {
  /** A Markdown table: each set's figures ranked by fused score, by the file ranking cross-validated, and so on. */
  table: string[];
  /** The weights fitted on every question, in the order of `RANKING_FEATURES`. */
  weights: number[];
}

/** Collects both dev sets' candidates (building their indexes in `workDir`), cross-validates and fits the weights. */
export async function trainRanking(workDir = WORK): Promise<RankingReport> {
  const questions = [...(await collect('ray-docs', workDir)), ...(await collect('scifact', workDir))];
  const foldOf = new Map<Question, number>();
  for (const set of SETS) shuffled(questions.filter((q) => q.set === set)).forEach((q, i) => foldOf.set(q, i % FOLDS));
  const heldOut = new Map<Question, SearchResult[]>();
  for (let fold = 0; fold < FOLDS; fold++) {
    const weights = train(questions.filter((q) => foldOf.get(q) !== fold));
    for (const q of questions.filter((q) => foldOf.get(q) === fold)) heldOut.set(q, ranked(q, weights));
  }
  const weights = train(questions);
  const f3 = (x: number) => x.toFixed(3);
  const table = ['| set (dev) | ranking | nDCG@10 | R@5 | sec5 |', '| --- | --- | --- | --- | --- |'];
  for (const set of SETS) {
    const ofSet = questions.filter((q) => q.set === set);
    for (const [name, rank] of [
      ['fused score, two of a file in the first five', (q: Question) => q.fused],
      [`file ranking, ${FOLDS}-fold cross-validated`, (q: Question) => heldOut.get(q)!],
      ['file ranking, the weights below on every question', (q: Question) => ranked(q, weights)],
      ['file ranking, the shipped weights', (q: Question) => ranked(q, FILE_RANKING_WEIGHTS)],
    ] as const) {
      const s = scores(ofSet, rank);
      table.push(`| ${set} | ${name} | ${f3(s.ndcg10)} | ${f3(s.r5)} | ${f3(s.sec5)} |`);
    }
  }
  return { table, weights };
}

if (require.main === module) {
  trainRanking().then(
    ({ table, weights }) => {
      console.log(table.join('\n'));
      console.log(`\nweights (${RANKING_FEATURES.join(', ')}):\n[${weights.map((w) => w.toFixed(3)).join(', ')}]`);
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
