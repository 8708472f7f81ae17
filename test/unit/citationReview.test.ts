import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { answerQuestion } from '../../src/core/answer/answerQuestion';
import type { Source } from '../../src/core/answer/types';
import type { ChatProvider } from '../../src/core/providers/chatProvider';
import { OpenAIProvider } from '../../src/core/providers/openaiProvider';
import { EndpointReranker } from '../../src/core/rerank/endpointReranker';
import { ModelReranker } from '../../src/core/rerank/modelReranker';
import type { Reranker } from '../../src/core/rerank/reranker';
import { LoopbackOpenAI } from '../support/loopbackOpenAI';

let server: LoopbackOpenAI;
before(async () => (server = await new LoopbackOpenAI().start()));
after(() => server.stop());

const source = (n: number, text: string, startLine: number): Source => ({
  n,
  path: `page${n}.md`,
  startLine,
  endLine: startLine + text.split('\n').length - 1,
  heading: '',
  text,
});
const SOURCES = [
  source(
    1,
    'Limiting concurrency in Tune\n\nTo specifies the max number of trials to run concurrently, set max_concurrent_trials in the TuneConfig.\nTune then queues the remaining trials until a slot frees up.',
    140,
  ),
  source(
    2,
    'Rolling back a deployment\n\nRun the rollback command with the tag of the release you want back.\nThe service restarts on the tagged image.',
    10,
  ),
  source(3, 'Checkpoints\n\nCheckpointConfig keeps the best checkpoints of every trial by a metric.', 30),
];
// The first sentence shares only part of its content with [1] (graded weak); the second is [2]'s own words.
const ANSWER =
  'Set max_concurrent_trials in the TuneConfig to cap how many trials run at once on each node [1]. Run the rollback command with the tag [2].';

/** The answering model is scripted here; the reranker under test talks to the loopback server. */
const answering: ChatProvider = {
  name: 'openai',
  model: 'gpt-4o-mini',
  async *stream() {
    yield { type: 'text' as const, text: ANSWER };
  },
};

const ask = (reranker?: Reranker) =>
  answerQuestion({
    question: 'How do I cap concurrent trials and roll back?',
    search: async () => SOURCES.map((s) => ({ ...s, headingPath: [], anchor: '', score: 1, lexicalScore: 1, vectorScore: 1, coverage: 1 })),
    searchedFiles: 3,
    provider: answering,
    redactSecrets: false,
    ...(reranker ? { rerank: { reranker } } : {}),
  });

const modelReranker = () =>
  new ModelReranker(new OpenAIProvider({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o-mini', maxRetries: 0 }));
const chatRequests = () => server.requests.filter((r) => r.path.endsWith('/chat/completions'));

test('offline default: a weak citation stays weak, and nothing is asked of any model', async () => {
  const before = server.requests.length;
  const answer = await ask();
  assert.deepEqual(
    answer.evidence?.map((e) => e.grade),
    ['weak', 'supported'],
  );
  assert.equal(server.requests.length, before);
});

test('with a model reranker, the weak citations go in one request: refuted ones become unsupported, the cost counts', async () => {
  server.enqueue({ content: '{"scores": [9, 8, 1]}' }, { content: '{"supports": [false]}' });
  const before = chatRequests().length;
  const answer = await ask(modelReranker());
  assert.equal(chatRequests().length, before + 2, 'one request to order the passages, one to check the weak citation');
  const check = chatRequests().at(-1)!.body.messages.at(-1).content as string;
  assert.match(check, /Sentence: Set max_concurrent_trials in the TuneConfig to cap how many trials run at once on each node/);
  assert.doesNotMatch(check, /Run the rollback command with the tag \[2\]/, 'a supported citation is not sent for checking');
  const [weak, right] = answer.evidence!;
  assert.equal(weak.grade, 'unsupported');
  assert.equal(weak.matched, false, 'no evidence lines once refuted');
  assert.equal(weak.checkedBy, 'model gpt-4o-mini');
  assert.equal(right.grade, 'supported');
  assert.equal(answer.verdict, 'partly-grounded');
  assert.ok(
    answer.notes.includes(
      '1 citation the wording alone could not settle was checked by model gpt-4o-mini (1 request): 0 supported, 1 not.',
    ),
    answer.notes.join(' | '),
  );
  assert.ok(answer.usage.promptTokens >= 200, `the rerank and the check are in the cost (${answer.usage.promptTokens} prompt tokens)`);
  assert.ok((answer.usage.estimatedCostUsd ?? 0) > 0, 'the cost is shown');
});

test('a model that confirms the weak citation makes it supported; a model that answers nonsense keeps it weak and says so', async () => {
  server.enqueue({ content: '{"scores": [9, 8, 1]}' }, { content: '{"supports": [true]}' });
  const confirmed = await ask(modelReranker());
  assert.deepEqual(
    confirmed.evidence?.map((e) => e.grade),
    ['supported', 'supported'],
  );
  assert.equal(confirmed.verdict, 'grounded');

  server.enqueue({ content: '{"scores": [9, 8, 1]}' }, { content: 'I think so.' });
  const unsure = await ask(modelReranker());
  assert.deepEqual(
    unsure.evidence?.map((e) => e.grade),
    ['weak', 'supported'],
  );
  assert.ok(
    unsure.notes.some((n) => /were not checked by model gpt-4o-mini \(the reply did not hold 1 verdicts\)/.test(n)),
    unsure.notes.join(' | '),
  );
});

test('with a rerank endpoint, a weak citation is supported when its passage ranks first for the sentence', async () => {
  const rerankRequests = () => server.requests.filter((r) => r.path.endsWith('/rerank')).length;
  const before = rerankRequests();
  const answer = await ask(new EndpointReranker({ url: server.baseURL }));
  assert.equal(rerankRequests(), before + 2, 'one to order the passages, one for the weak sentence');
  assert.deepEqual(
    answer.evidence?.map((e) => e.grade),
    ['supported', 'supported'],
  );
  assert.match(answer.notes.join(' '), /checked by endpoint .*\/rerank \(1 request\): 1 supported, 0 not/);
});
