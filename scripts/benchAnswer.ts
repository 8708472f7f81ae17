/** Answer-path figures for `npm run bench`: abstain calibration, question → request time, time to first token. */
import path from 'node:path';
import { answerQuestion } from '../src/core/answer/answerQuestion';
import { DocsIndex } from '../src/core/indexing/docsIndex';
import { HashingEmbedder } from '../src/core/embedding/hashingEmbedder';
import type { EvalQuery } from '../src/core/eval/metrics';
import { OpenAIProvider } from '../src/core/providers/openaiProvider';
import { SETTING_DEFAULTS } from '../src/core/settings';
import { LoopbackOpenAI } from '../test/support/loopbackOpenAI';
import { ms, pct, percentile, row } from './benchFormat';

type Log = (line?: string) => void;

async function openIndex(evalDir: string, set: string, indexDir: string): Promise<DocsIndex> {
  const index = await DocsIndex.open({ root: path.join(evalDir, set, 'corpus'), indexDir, embedder: new HashingEmbedder() });
  await index.update();
  return index;
}

async function bestCoverage(index: DocsIndex, question: string): Promise<{ coverage: number; top: string[] }> {
  const results = await index.search(question, { k: 24 });
  return { coverage: results.reduce((max, r) => Math.max(max, r.coverage), 0), top: results.slice(0, 5).map((r) => r.path) };
}

/** How many parts the ray-docs questions are split into for leave-gold-out: each part's gold files are left out once. */
const GOLD_OUT_FOLDS = 4;

export interface AbstainSignals {
  /** Each set's dev questions on its own corpus. */
  answerable: Array<{ coverage: number; retrieved: boolean }>;
  /** ray-docs questions on an index of ray-docs without the files that answer them: unanswerable, in-domain. */
  inDomain: number[];
  /** Each set's questions on the other set's corpus. */
  crossCorpus: number[];
}

/** The best passage's coverage of every calibration question, answerable and not. */
export async function abstainSignals(evalDir: string, workDir: string, queries: Record<string, EvalQuery[]>): Promise<AbstainSignals> {
  const ray = await openIndex(evalDir, 'ray-docs', path.join(workDir, 'ray-docs'));
  const sci = await openIndex(evalDir, 'scifact', path.join(workDir, 'scifact'));
  const sample = (qs: EvalQuery[]) => qs.filter((_, i) => i % Math.ceil(qs.length / 160) === 0);
  const signals: AbstainSignals = { answerable: [], inDomain: [], crossCorpus: [] };
  for (const [own, other, qs] of [
    [ray, sci, queries['ray-docs']],
    [sci, ray, sample(queries.scifact)],
  ] as const) {
    for (const q of qs) {
      const { coverage, top } = await bestCoverage(own, q.question);
      signals.answerable.push({ coverage, retrieved: q.relevant.some((r) => top.includes(r.split('#')[0])) });
      signals.crossCorpus.push((await bestCoverage(other, q.question)).coverage);
    }
  }
  await ray.close();
  await sci.close();
  // Leave gold out: the real unanswerable questions are about the same product. Each fold's questions are asked of
  // an index built without every file that answers them.
  const rayQueries = queries['ray-docs'];
  for (let fold = 0; fold < GOLD_OUT_FOLDS; fold++) {
    const held = rayQueries.filter((_, i) => i % GOLD_OUT_FOLDS === fold);
    const goldFiles = [...new Set(held.flatMap((q) => q.relevant.map((r) => r.split('#')[0])))];
    const index = await DocsIndex.open({
      root: path.join(evalDir, 'ray-docs', 'corpus'),
      indexDir: path.join(workDir, `ray-docs-gold-out-${fold}`),
      embedder: new HashingEmbedder(),
      discovery: { exclude: goldFiles },
    });
    await index.update();
    for (const q of held) {
      const results = await index.search(q.question, { k: 24 });
      if (results.some((r) => goldFiles.includes(r.path))) throw new Error(`leave-gold-out: ${q.id}'s gold file is still indexed`);
      signals.inDomain.push(results.reduce((max, r) => Math.max(max, r.coverage), 0));
    }
    await index.close();
  }
  return signals;
}

/**
 * The abstain threshold is chosen on answerable questions against in-domain unanswerable ones (leave gold out),
 * with the cross-corpus ones shown beside them.
 */
export async function calibrateAbstain(log: Log, evalDir: string, workDir: string, queries: Record<string, EvalQuery[]>): Promise<void> {
  const { answerable, inDomain, crossCorpus } = await abstainSignals(evalDir, workDir, queries);
  log('## Abstain threshold (calibration)');
  log();
  log(
    `Answerable: each set's dev questions on its own corpus (${answerable.length}: all ${queries['ray-docs'].length} ray-docs questions and ${answerable.length - queries['ray-docs'].length} of scifact's). Unanswerable, in-domain (${inDomain.length}): every ray-docs question asked of an index of ray-docs built without the files that answer it (leave gold out, ${GOLD_OUT_FOLDS} folds, so each question's gold files are left out once along with those of a quarter of the others). Unanswerable, cross-corpus (${crossCorpus.length}): each question on the other set's corpus. The signal is the best passage's coverage of the question (the idf-weighted share of its terms the passage contains).`,
  );
  log();
  log(
    row([
      'threshold',
      'answerable answered',
      '… of those whose gold file was in the top 5',
      'in-domain unanswerable refused',
      'cross-corpus unanswerable refused',
    ]),
  );
  log(row(['---', '---', '---', '---', '---']));
  const defaultThreshold = SETTING_DEFAULTS['answer.abstainThreshold'];
  const retrieved = answerable.filter((a) => a.retrieved);
  let chosen: { threshold: number; answered: number; refused: number } | undefined;
  for (let t = 0.1; t <= 0.81; t += 0.05) {
    const threshold = Math.round(t * 100) / 100;
    const answered = answerable.filter((a) => a.coverage >= threshold).length / answerable.length;
    const answeredRetrieved = retrieved.filter((a) => a.coverage >= threshold).length / retrieved.length;
    const refused = inDomain.filter((c) => c < threshold).length / inDomain.length;
    const refusedCross = crossCorpus.filter((c) => c < threshold).length / crossCorpus.length;
    if (answered >= 0.97) chosen = { threshold, answered, refused };
    const mark = threshold === defaultThreshold ? ' (default)' : '';
    log(row([`${threshold}${mark}`, pct(answered), pct(answeredRetrieved), pct(refused), pct(refusedCross)]));
  }
  log();
  log(
    `The default is chosen from the in-domain curve: the highest threshold that still answers at least 97% of answerable questions${chosen ? ` is ${chosen.threshold}, which refuses ${pct(chosen.refused)} of in-domain unanswerable questions (target ≥ 60%: ${chosen.refused >= 0.6 ? 'met' : 'missed'})` : ''}; the default is ${defaultThreshold} (\`groundwork.answer.abstainThreshold\`). Wrongly refusing hides a real answer, while a question that slips through still meets a prompt that tells the model to say the docs don't cover it.`,
  );
  log();
}

/** Retrieval + prompt assembly until the request is sent, and the first streamed token, over a loopback server. */
export async function benchAnswerPath(log: Log, evalDir: string, workDir: string, queries: EvalQuery[]): Promise<void> {
  const index = await openIndex(evalDir, 'ray-docs', path.join(workDir, 'ray-docs'));
  const server = await new LoopbackOpenAI().start();
  server.defaultReply = () => ({ chunks: ['The answer ', 'is in the docs ', '[1].'] });
  const provider = new OpenAIProvider({ baseURL: server.baseURL, apiKey: 'bench', model: 'gpt-4o-mini' });
  const toRequest: number[] = [];
  const toFirstToken: number[] = [];
  try {
    for (const q of queries) {
      const started = performance.now();
      let ready = 0;
      let first = 0;
      await answerQuestion({
        question: q.question,
        search: (query, k) => index.search(query, { k }),
        searchedFiles: index.fileCount,
        provider,
        answerAnyway: true,
        onRequestReady: () => (ready ||= performance.now()),
        onDelta: () => (first ||= performance.now()),
      });
      toRequest.push(ready - started);
      toFirstToken.push(first - started);
    }
  } finally {
    await server.stop();
  }
  log('## Answer path (ray-docs, all dev questions, offline embedder, loopback OpenAI-compatible server)');
  log();
  log(row(['measure', 'p50', 'p95', 'target']));
  log(row(['---', '---', '---', '---']));
  log(
    row([
      'question → request sent (retrieval, source selection, prompt assembly)',
      ms(percentile(toRequest, 0.5)),
      ms(percentile(toRequest, 0.95)),
      'p95 ≤ 50 ms',
    ]),
  );
  log(
    row([
      'question → first answer token shown (through the real `openai` client, SSE)',
      ms(percentile(toFirstToken, 0.5)),
      ms(percentile(toFirstToken, 0.95)),
      '',
    ]),
  );
  log();
}
