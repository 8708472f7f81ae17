import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { answerQuestion } from '../../src/core/answer/answerQuestion';
import type { RetrievedResult } from '../../src/core/answer/types';
import { runCliCaptured } from '../support/cli';
import { OpenAIProvider } from '../../src/core/providers/openaiProvider';
import { createReranker } from '../../src/core/rerank/createReranker';
import { EndpointReranker, keyFor, rerankUrl } from '../../src/core/rerank/endpointReranker';
import { ModelReranker, parseScores } from '../../src/core/rerank/modelReranker';
import { rerankResults } from '../../src/core/rerank/reranker';
import { LoopbackOpenAI } from '../support/loopbackOpenAI';
import { tempDir } from '../support/tempDir';

let server: LoopbackOpenAI;
before(async () => {
  server = await new LoopbackOpenAI().start();
});
after(() => server.stop());

function result(text: string, heading: string, coverage = 0.9): RetrievedResult {
  return {
    path: `${heading.toLowerCase()}.md`,
    startLine: 1,
    endLine: 3,
    headingPath: [heading],
    anchor: '',
    text,
    score: 1,
    lexicalScore: 1,
    vectorScore: 1,
    coverage,
  };
}

// In search order: the passage that answers the question comes last.
const SEARCHED = [
  result('Widgetron keeps a cache of rendered widgets.', 'Cache'),
  result('The toolkit runs on Linux and Windows.', 'Platforms'),
  result('To roll back a release, run widgetron rollback with the tag of the release.', 'Rollback'),
];
const QUESTION = 'How do I roll back a release with its tag?';
const rerankRequests = () => server.requests.filter((r) => r.path.endsWith('/rerank'));
const options = { candidates: 20, timeoutMs: 5000 };

test('a /rerank endpoint reorders the best passages; the key goes only to the model server itself', async () => {
  const before = rerankRequests().length;
  const onSameServer = new EndpointReranker({
    url: server.baseURL,
    model: 'bge-reranker',
    apiKey: keyFor(server.baseURL, server.baseURL, 'sk-same'),
  });
  const reranked = await rerankResults(QUESTION, SEARCHED, onSameServer, options);
  assert.deepEqual(
    reranked.results.map((r) => r.headingPath[0]),
    ['Rollback', 'Cache', 'Platforms'],
  );
  assert.equal(reranked.problem, undefined);
  const sent = rerankRequests()[before];
  assert.equal(sent.path, '/v1/rerank');
  assert.equal(sent.body.query, QUESTION);
  assert.equal(sent.body.model, 'bge-reranker');
  assert.equal(sent.body.documents.length, 3);
  assert.match(sent.body.documents[2], /^Rollback\nTo roll back/, 'a passage is sent with its heading path');
  assert.equal(sent.headers.authorization, 'Bearer sk-same');

  // The same endpoint named by another host is another origin: the model's key is not sent there.
  const elsewhere = server.baseURL.replace('127.0.0.1', 'localhost');
  assert.equal(keyFor(elsewhere, server.baseURL, 'sk-same'), undefined);
  await rerankResults(
    QUESTION,
    SEARCHED,
    new EndpointReranker({ url: server.baseURL, apiKey: keyFor(elsewhere, server.baseURL, 'sk-same') }),
    options,
  );
  assert.equal(rerankRequests().at(-1)!.headers.authorization, undefined);
  assert.equal(rerankUrl('http://h:8080/'), 'http://h:8080/rerank');
  assert.equal(rerankUrl('http://h:8080/v1/rerank'), 'http://h:8080/v1/rerank');
});

test('Text Embeddings Inference (passages named `texts`, a bare array back) is learned from its first reply', async () => {
  server.rerankShape = 'tei';
  try {
    const reranker = new EndpointReranker({ url: server.baseURL });
    const before = rerankRequests().length;
    const reranked = await rerankResults(QUESTION, SEARCHED, reranker, options);
    assert.equal(reranked.problem, undefined);
    assert.equal(reranked.results[0].headingPath[0], 'Rollback');
    await rerankResults(QUESTION, SEARCHED, reranker, options);
    assert.deepEqual(
      rerankRequests()
        .slice(before)
        .map((r) => Object.keys(r.body).includes('texts')),
      [false, true, true],
      'one retry with `texts`, then `texts` from the start',
    );
  } finally {
    server.rerankShape = 'results';
  }
});

test('only the top candidates are scored; the rest keep their places after them', async () => {
  const reranked = await rerankResults(QUESTION, [...SEARCHED].reverse(), new EndpointReranker({ url: server.baseURL }), {
    ...options,
    candidates: 2,
  });
  assert.equal(rerankRequests().at(-1)!.body.documents.length, 2);
  assert.deepEqual(
    reranked.results.map((r) => r.headingPath[0]),
    ['Rollback', 'Platforms', 'Cache'],
  );
});

test('a failing, slow or nonsensical reranker keeps the search order and says why, with no key in the message', async () => {
  const reranker = new EndpointReranker({ url: server.baseURL });
  server.enqueue({ status: 500, errorMessage: 'upstream refused api_key=sk-abcdefghijklmnopqrstuv' });
  const failed = await rerankResults(QUESTION, SEARCHED, reranker, options);
  assert.deepEqual(failed.results, SEARCHED);
  assert.match(failed.problem!, /endpoint .*\/rerank failed \(HTTP 500/);
  assert.doesNotMatch(failed.problem!, /sk-abcdefghijklmnopqrstuv/);

  server.enqueue({ hangMs: 3000 });
  const slow = await rerankResults(QUESTION, SEARCHED, reranker, { ...options, timeoutMs: 200 });
  assert.deepEqual(slow.results, SEARCHED);
  assert.match(slow.problem!, /no scores after 0\.2 s/);
  assert.ok(slow.elapsedMs < 2000, `gave up after ${slow.elapsedMs} ms`);

  const model = new ModelReranker(new OpenAIProvider({ baseURL: server.baseURL, apiKey: 'sk-test', model: 'gpt-4o-mini', maxRetries: 0 }));
  server.enqueue({ content: 'The second one looks best.' });
  const unreadable = await rerankResults(QUESTION, SEARCHED, model, options);
  assert.deepEqual(unreadable.results, SEARCHED);
  assert.match(unreadable.problem!, /model gpt-4o-mini failed \(the reply did not hold 3 scores\)/);
  assert.ok(unreadable.usage && unreadable.usage.promptTokens > 0, 'an unusable reply still counts in the cost');
});

test('cancelling the request is not a reranker failure: it stops the answer', async () => {
  server.enqueue({ hangMs: 3000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(
    rerankResults(QUESTION, SEARCHED, new EndpointReranker({ url: server.baseURL }), { ...options, signal: controller.signal }),
  );
});

test('a chat model scores the passages in one request, and its reply may come fenced', async () => {
  assert.deepEqual(parseScores('```json\n{"scores": [1, 0, 9]}\n```', 3), [1, 0, 9]);
  assert.throws(() => parseScores('{"scores": [1, "high", 9]}', 3));
  const before = server.requests.length;
  server.enqueue({ content: '{"scores": [2, 0, 10]}' });
  const model = new ModelReranker(new OpenAIProvider({ baseURL: server.baseURL, apiKey: 'sk-test', model: 'gpt-4o-mini', maxRetries: 0 }));
  const reranked = await rerankResults(QUESTION, SEARCHED, model, options);
  assert.deepEqual(
    reranked.results.map((r) => r.headingPath[0]),
    ['Rollback', 'Cache', 'Platforms'],
  );
  const sent = server.requests.slice(before).filter((r) => r.path.endsWith('/chat/completions'));
  assert.equal(sent.length, 1);
  assert.match(sent[0].body.messages[1].content, /\[3\]\nRollback\nTo roll back a release/);
  assert.ok(reranked.usage && reranked.usage.promptTokens > 0);
});

test('the answer cites in reranked order, counts the rerank in its cost, and a refusal costs no rerank', async () => {
  const answering = new OpenAIProvider({ baseURL: server.baseURL, apiKey: 'sk-test', model: 'gpt-4o-mini', maxRetries: 0 });
  server.enqueue({ content: '{"scores": [0, 1, 10]}' }, { content: 'Run `widgetron rollback` with the tag [1].' });
  const answer = await answerQuestion({
    question: QUESTION,
    search: async () => SEARCHED,
    searchedFiles: 3,
    provider: answering,
    rerank: { reranker: new ModelReranker(answering) },
  });
  assert.equal(answer.sources[0].heading, 'Rollback');
  assert.deepEqual(answer.citations, [1]);
  const withoutRerank = await answerQuestion({ question: QUESTION, search: async () => SEARCHED, searchedFiles: 3, provider: answering });
  assert.ok(answer.usage.promptTokens > withoutRerank.usage.promptTokens, 'the rerank request is in the usage');

  const before = rerankRequests().length;
  const refused = await answerQuestion({
    question: QUESTION,
    search: async () => SEARCHED.map((r) => ({ ...r, coverage: 0.05 })),
    searchedFiles: 3,
    rerank: { reranker: new EndpointReranker({ url: server.baseURL }) },
  });
  assert.equal(refused.verdict, 'not-in-docs');
  assert.equal(rerankRequests().length, before);

  // Offline (no model), an endpoint still reranks the passages the extract quotes; a failure is a note.
  server.enqueue({ status: 503 });
  const offline = await answerQuestion({
    question: QUESTION,
    search: async () => SEARCHED,
    searchedFiles: 3,
    rerank: { reranker: new EndpointReranker({ url: server.baseURL }) },
  });
  assert.equal(offline.verdict, 'offline-extract');
  assert.match(offline.notes.join('\n'), /Reranking was skipped: endpoint .* failed \(HTTP 503/);
});

test('a configuration that cannot work says what to set', () => {
  const remedy = { url: 'the setting groundwork.retrieval.rerankUrl', model: 'the setting groundwork.model.provider' };
  assert.equal(createReranker({ kind: 'off' }, remedy), undefined);
  assert.throws(() => createReranker({ kind: 'model' }, remedy), /needs a chat model: set the setting groundwork.model.provider/);
  assert.throws(() => createReranker({ kind: 'endpoint' }, remedy), /needs its URL/);
  assert.throws(() => createReranker({ kind: 'endpoint', url: 'localhost 8080' }, remedy), /is not a URL/);
});

test('groundwork search --rerank endpoint prints the reranked order; a bad mode is a usage error', async () => {
  const fixtures = path.join(__dirname, '../fixtures/docs');
  const idx = ['--index', path.join(await tempDir(), 'idx')];
  const run = (args: string[]) => runCliCaptured(args, { ...process.env, OPENAI_API_KEY: '' });
  const question = 'windows package exe';
  const plain = JSON.parse((await run(['search', fixtures, question, '--json', ...idx])).stdout).results;
  const before = rerankRequests().length;
  const reranked = await run(['search', fixtures, question, '--json', '--rerank', 'endpoint', '--rerank-url', server.baseURL, ...idx]);
  assert.equal(reranked.code, 0, reranked.stderr);
  assert.equal(rerankRequests().length, before + 1);
  const results = JSON.parse(reranked.stdout).results;
  assert.deepEqual(new Set(results.map((r: { text: string }) => r.text)), new Set(plain.map((r: { text: string }) => r.text)));
  assert.match(results[0].text, /Windows\s*\|\s*exe/, 'the passage holding every query word comes first');

  const bad = await run(['search', fixtures, question, '--rerank', 'magic', ...idx]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--rerank must be model or endpoint/);
  const offline = await run(['ask', fixtures, question, '--rerank', 'model', ...idx]);
  assert.equal(offline.code, 2);
  assert.match(offline.stderr, /needs a chat model: set --model and --base-url/);
});
