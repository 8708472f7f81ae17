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

/**
 * The abstain threshold is chosen on answerable questions (each set's questions on its own corpus) against
 * unanswerable ones (the other set's questions on that corpus), maximising balanced accuracy.
 */
export async function calibrateAbstain(log: Log, evalDir: string, workDir: string, queries: Record<string, EvalQuery[]>): Promise<void> {
  const ray = await openIndex(evalDir, 'ray-docs', path.join(workDir, 'ray-docs'));
  const sci = await openIndex(evalDir, 'scifact', path.join(workDir, 'scifact'));
  const sample = (qs: EvalQuery[]) => qs.filter((_, i) => i % Math.ceil(qs.length / 160) === 0);
  const answerable: Array<{ coverage: number; retrieved: boolean }> = [];
  const unanswerable: number[] = [];
  for (const q of sample(queries['ray-docs'])) {
    const { coverage, top } = await bestCoverage(ray, q.question);
    answerable.push({ coverage, retrieved: q.relevant.some((r) => top.includes(r.split('#')[0])) });
    unanswerable.push((await bestCoverage(sci, q.question)).coverage);
  }
  for (const q of sample(queries.scifact)) {
    const { coverage, top } = await bestCoverage(sci, q.question);
    answerable.push({ coverage, retrieved: q.relevant.some((r) => top.includes(r.split('#')[0])) });
    unanswerable.push((await bestCoverage(ray, q.question)).coverage);
  }
  log('## Abstain threshold (calibration)');
  log();
  log(
    `Answerable: each set's dev questions on its own corpus (${answerable.length}); unanswerable: the same questions on the other corpus (${unanswerable.length}). The signal is the best passage's coverage of the question (the idf-weighted share of its terms the passage contains).`,
  );
  log();
  log(
    row(['threshold', 'answerable answered', '… of those whose gold file was in the top 5', 'unanswerable abstained', 'balanced accuracy']),
  );
  log(row(['---', '---', '---', '---', '---']));
  let best = { threshold: 0, accuracy: 0 };
  for (let t = 0.1; t <= 0.71; t += 0.05) {
    const threshold = Math.round(t * 100) / 100;
    const answered = answerable.filter((a) => a.coverage >= threshold).length / answerable.length;
    const retrieved = answerable.filter((a) => a.retrieved);
    const answeredRetrieved = retrieved.filter((a) => a.coverage >= threshold).length / retrieved.length;
    const abstained = unanswerable.filter((c) => c < threshold).length / unanswerable.length;
    const accuracy = (answered + abstained) / 2;
    if (accuracy > best.accuracy) best = { threshold, accuracy };
    const mark = threshold === SETTING_DEFAULTS['answer.abstainThreshold'] ? ' (default)' : '';
    log(row([`${threshold}${mark}`, pct(answered), pct(answeredRetrieved), pct(abstained), pct(accuracy)]));
  }
  log();
  log(
    `Best balanced accuracy at ${best.threshold}. The default, ${SETTING_DEFAULTS['answer.abstainThreshold']} (\`groundwork.answer.abstainThreshold\`), is the highest threshold that still answers about 99% of answerable questions: wrongly refusing hides a real answer, while a question that slips through still meets a prompt that tells the model to say the docs don't cover it. Questions from another corpus are easier to reject than out-of-scope questions about the same product, so treat the abstain rate as an upper bound.`,
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
