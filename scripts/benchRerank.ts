/** The optional reranker's share of `npm run bench`: what it adds per question, in time and tokens, over loopback. */
import type { DocsIndex } from '../src/core/indexing/docsIndex';
import { estimateCostUsd } from '../src/core/answer/cost';
import type { EvalQuery } from '../src/core/eval/metrics';
import { OpenAIProvider } from '../src/core/providers/openaiProvider';
import { EndpointReranker } from '../src/core/rerank/endpointReranker';
import { ModelReranker } from '../src/core/rerank/modelReranker';
import { DEFAULT_RERANK_CANDIDATES, type Reranker, rerankResults } from '../src/core/rerank/reranker';
import { countTokens } from '../src/core/tokens';
import { LoopbackOpenAI } from '../test/support/loopbackOpenAI';
import { ms, percentile, row } from './benchFormat';

const PRICED_MODEL = 'gpt-4o-mini';

export async function benchRerank(log: (line?: string) => void, index: DocsIndex, queries: EvalQuery[]): Promise<void> {
  const server = await new LoopbackOpenAI().start();
  // The stand-in chat model answers every scoring request with one score per passage listed.
  server.defaultReply = (request) => {
    const listed = String(request.body?.messages?.at(-1)?.content ?? '').match(/^\[\d+\]$/gm)?.length ?? 0;
    return { content: JSON.stringify({ scores: Array.from({ length: listed }, (_, i) => (i * 7) % 11) }) };
  };
  try {
    const chat = new OpenAIProvider({ baseURL: server.baseURL, apiKey: 'sk-bench', model: PRICED_MODEL, maxRetries: 0 });
    const rerankers: Array<[string, Reranker]> = [
      ['`/rerank` endpoint', new EndpointReranker({ url: server.baseURL })],
      [`chat model (${PRICED_MODEL})`, new ModelReranker(chat)],
    ];
    const rows: string[] = [];
    for (const [label, reranker] of rerankers) {
      const times: number[] = [];
      let sentBytes = 0;
      let promptTokens = 0;
      let completionTokens = 0;
      for (const query of queries) {
        const results = await index.search(query.question, { k: 24 });
        const before = server.requests.length;
        const reranked = await rerankResults(query.question, results, reranker, {
          candidates: DEFAULT_RERANK_CANDIDATES,
          timeoutMs: 10_000,
        });
        if (reranked.problem) throw new Error(reranked.problem);
        times.push(reranked.elapsedMs);
        for (const request of server.requests.slice(before)) {
          sentBytes += Buffer.byteLength(JSON.stringify(request.body));
          // Counted from what was sent (the stand-in's own usage figures are not a tokenizer's).
          const messages: Array<{ content: string }> = request.body?.messages ?? [];
          promptTokens += messages.reduce((sum, m) => sum + countTokens(m.content), 0);
        }
        completionTokens += reranked.usage
          ? countTokens(JSON.stringify({ scores: results.slice(0, DEFAULT_RERANK_CANDIDATES).map(() => 10) }))
          : 0;
      }
      const n = queries.length;
      const cost = promptTokens ? estimateCostUsd(PRICED_MODEL, promptTokens / n, completionTokens / n) : undefined;
      rows.push(
        row([
          label,
          ms(percentile(times, 0.5)),
          ms(percentile(times, 0.95)),
          `${(sentBytes / n / 1024).toFixed(1)} KB`,
          promptTokens ? `${Math.round(promptTokens / n)} + ${Math.round(completionTokens / n)}` : '–',
          cost === undefined ? '–' : `$${(cost * 1000).toFixed(2)}`,
        ]),
      );
    }
    log('## Reranking (optional, off by default)');
    log();
    log(
      `Command: \`npm run bench\`. The ${queries.length} ray-docs dev questions; the best ${DEFAULT_RERANK_CANDIDATES} of 24 passages (heading path and text, cut at 1,500 characters) scored by each reranker, through the real client code, against the project's loopback server (\`test/support/loopbackOpenAI.ts\`) standing in for the model or the inference server. So the times are Groundwork's own cost (building the request, sending ${DEFAULT_RERANK_CANDIDATES} passages, reading the scores, reordering) plus a loopback round trip; a real reranker adds its inference time on top, which cannot be measured on this machine (no model weights, no network). Tokens are counted with gpt-tokenizer from the requests as sent; cost at ${PRICED_MODEL}'s published price, per 1,000 questions. Quality is not reported: the stand-ins' scores are not a model's, and no reranking model can run here.`,
    );
    log();
    log(
      row([
        'reranker',
        'added per question, p50',
        'p95',
        'sent per question',
        'tokens per question (prompt + reply)',
        'cost per 1,000 questions',
      ]),
    );
    log(row(['---', '---', '---', '---', '---', '---']));
    for (const line of rows) log(line);
    log();
    log(
      'A question the docs do not cover is refused before reranking, so it costs nothing; a reranker that fails or takes over 10 s leaves the search order in place, with a note on the answer.',
    );
    log();
  } finally {
    await server.stop();
  }
}
