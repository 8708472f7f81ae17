/**
 * `npm run train:judgement`: learns the judgement's weights (src/core/retrieval/judgement.ts), the model that says
 * whether the docs cover a question, and reports them by five-fold cross-validation. Each set's dev questions are
 * covered (their answer is in the corpus); the off-topic questions (scripts/offTopicQuestions.ts) are not. A
 * logistic regression on the search's evidence, each of the four groups (a set's dev or off-topic questions)
 * weighing the same; then the bias is moved to where the worst of the targets (dev covered ≥ 97%, off-topic not
 * covered ≥ 95%) is best on the questions it was fitted on. Prints the table for BENCHMARKS.md and the weights.
 */
import os from 'node:os';
import path from 'node:path';
import {
  coversQuestion,
  DEFAULT_ABSTAIN_THRESHOLD,
  JUDGEMENT_FEATURES,
  JUDGEMENT_WEIGHTS,
  judgementFeatures,
} from '../src/core/retrieval/judgement';
import type { QuestionEvidence } from '../src/core/types';
import { openIndex } from './benchSupport';
import { EVAL, readDevQueries } from './evalSets';
import { OFF_TOPIC_QUESTIONS } from './offTopicQuestions';

const WORK = path.join(os.tmpdir(), 'groundwork-train-judgement');
const FOLDS = 5;
const L2 = 1e-3;
const EPOCHS = 4000;
const LEARNING_RATE = 2.5;
const DEV_TARGET = 0.97;
const OFF_TOPIC_TARGET = 0.95;

interface Question {
  set: 'ray-docs' | 'scifact';
  covered: boolean;
  /** Undefined when the search matched nothing: never covered, whatever the weights. */
  evidence: QuestionEvidence | undefined;
}
type Weights = readonly number[];

async function collect(set: Question['set']): Promise<Question[]> {
  const index = await openIndex(path.join(EVAL, set, 'corpus'), path.join(WORK, set));
  try {
    await index.update();
    const questions: Question[] = [];
    const ask = async (question: string, covered: boolean) => {
      const [first] = await index.search(question, { k: 10 });
      questions.push({ set, covered, evidence: first?.question });
    };
    for (const query of await readDevQueries(set)) await ask(query.question, true);
    for (const question of OFF_TOPIC_QUESTIONS) await ask(question, false);
    return questions;
  } finally {
    await index.close();
  }
}

const groupOf = (q: Question) => `${q.set} ${q.covered ? 'dev' : 'off-topic'}`;
const withoutVectors = (e: QuestionEvidence): QuestionEvidence => ({ ...e, bestVector: undefined });

function isCovered(q: Question, weights: Weights, vectors: boolean): boolean {
  return q.evidence !== undefined && coversQuestion(vectors ? q.evidence : withoutVectors(q.evidence), DEFAULT_ABSTAIN_THRESHOLD, weights);
}

/** Logistic regression by gradient descent, each group weighing the same; the bias is the last weight. */
function fit(questions: Question[], vectors: boolean): number[] {
  const usable = questions.filter((q) => q.evidence && q.evidence.bestCoverage >= DEFAULT_ABSTAIN_THRESHOLD);
  const perGroup = new Map<string, number>();
  for (const q of usable) perGroup.set(groupOf(q), (perGroup.get(groupOf(q)) ?? 0) + 1);
  const rows = usable.map((q) => [...judgementFeatures(vectors ? q.evidence! : withoutVectors(q.evidence!)), 1]);
  const share = usable.map((q) => 1 / perGroup.get(groupOf(q))!);
  const total = share.reduce((a, b) => a + b, 0);
  const w = new Array<number>(rows[0].length).fill(0);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const gradient = w.map((value, i) => (i < w.length - 1 ? L2 * value : 0));
    rows.forEach((x, n) => {
      const p = 1 / (1 + Math.exp(-x.reduce((sum, v, i) => sum + v * w[i], 0)));
      const error = (p - (usable[n].covered ? 1 : 0)) * (share[n] / total);
      x.forEach((v, i) => (gradient[i] += error * v));
    });
    gradient.forEach((g, i) => (w[i] -= LEARNING_RATE * g));
  }
  return moveBias(questions, w, vectors);
}

/** The worst of the targets, as a margin: every group's rate less its target, the lowest of them. */
function worstMargin(questions: Question[], weights: Weights, vectors: boolean): number {
  const rates = groupRates(questions, (q) => isCovered(q, weights, vectors));
  return Math.min(
    ...[...rates].map(([group, share]) =>
      group.endsWith('dev') ? share - DEV_TARGET : group.startsWith('ray-docs') ? 1 - share - OFF_TOPIC_TARGET : Infinity,
    ),
  );
}

function moveBias(questions: Question[], weights: number[], vectors: boolean): number[] {
  let best = weights;
  for (let shift = -3; shift <= 3; shift += 0.05) {
    const moved = [...weights.slice(0, -1), weights[weights.length - 1] + shift];
    if (worstMargin(questions, moved, vectors) > worstMargin(questions, best, vectors)) best = moved;
  }
  return best.map((w) => Number(w.toFixed(3)));
}

/** Each group's share of questions marked covered. */
function groupRates(questions: Question[], covered: (q: Question) => boolean): Map<string, number> {
  const counts = new Map<string, [number, number]>();
  for (const q of questions) {
    const [yes, all] = counts.get(groupOf(q)) ?? [0, 0];
    counts.set(groupOf(q), [yes + (covered(q) ? 1 : 0), all + 1]);
  }
  return new Map([...counts].map(([group, [yes, all]]) => [group, yes / all]));
}

/** A fixed fold for each question, cut within each group, so every run cuts the same folds. */
function folds(questions: Question[]): Map<Question, number> {
  const fold = new Map<Question, number>();
  const seen = new Map<string, number>();
  for (const q of questions) {
    const n = seen.get(groupOf(q)) ?? 0;
    seen.set(groupOf(q), n + 1);
    fold.set(q, (n * 7 + 3) % FOLDS);
  }
  return fold;
}

export interface JudgementReport {
  table: string[];
  weights: { withVectors: number[]; wordsAlone: number[] };
}

export async function trainJudgement(): Promise<JudgementReport> {
  const questions = [...(await collect('ray-docs')), ...(await collect('scifact'))];
  const foldOf = folds(questions);
  const columns: Array<[string, (q: Question) => boolean]> = [
    ['coverage ≥ 0.35 alone (the previous release)', (q) => (q.evidence?.bestCoverage ?? 0) >= 0.35],
  ];
  const weights = { withVectors: fit(questions, true), wordsAlone: fit(questions, false) };
  for (const vectors of [true, false]) {
    const heldOut = new Map<Question, boolean>();
    for (let fold = 0; fold < FOLDS; fold++) {
      const w = fit(
        questions.filter((q) => foldOf.get(q) !== fold),
        vectors,
      );
      for (const q of questions.filter((q) => foldOf.get(q) === fold)) heldOut.set(q, isCovered(q, w, vectors));
    }
    const name = vectors ? 'with the offline vectors' : 'words alone';
    const shipped = vectors ? JUDGEMENT_WEIGHTS.withVectors : JUDGEMENT_WEIGHTS.wordsAlone;
    columns.push([`judgement ${name}, ${FOLDS}-fold cross-validated`, (q) => heldOut.get(q)!]);
    columns.push([`judgement ${name}, the shipped weights`, (q) => isCovered(q, shipped, vectors)]);
  }
  const groups = [...groupRates(questions, () => true).keys()];
  const table = [
    `| judgement | ${groups.map((g) => (g.endsWith('dev') ? `${g}: covered` : `${g}: not covered`)).join(' | ')} |`,
    `| --- | ${groups.map(() => '---').join(' | ')} |`,
  ];
  for (const [name, covered] of columns) {
    const rates = groupRates(questions, covered);
    const cell = (g: string) => `${((g.endsWith('dev') ? rates.get(g)! : 1 - rates.get(g)!) * 100).toFixed(1)}%`;
    table.push(`| ${name} | ${groups.map(cell).join(' | ')} |`);
  }
  return { table, weights };
}

if (require.main === module) {
  trainJudgement().then(
    ({ table, weights }) => {
      console.log(table.join('\n'));
      console.log(`\nweights (${JUDGEMENT_FEATURES.join(', ')}, bias):`);
      console.log(`withVectors: [${weights.withVectors.join(', ')}]\nwordsAlone: [${weights.wordsAlone.join(', ')}]`);
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
