import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import path from 'node:path';
import { dot, EMBEDDER_UNREACHABLE } from '../../src/core/embedding/embedder';
import { DocsIndex } from '../../src/core/indexing/docsIndex';
import { closeAtEnd, tempDir } from '../support/tempDir';
import { FeatureCounts } from '../../src/core/embedding/featureCounts';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { batchByLimits, OpenAIEmbedder } from '../../src/core/embedding/openaiEmbedder';
import { LoopbackOpenAI } from '../support/loopbackOpenAI';

let server: LoopbackOpenAI;
before(async () => {
  server = await new LoopbackOpenAI().start();
});
after(() => server.stop());

test('the offline embedder gives unit vectors that rank related text above unrelated text', async () => {
  const embedder = new HashingEmbedder();
  const [query, related, unrelated] = await embedder.embed([
    'configure autoscaling for the cluster',
    'The autoscaler configuration scales cluster nodes up and down.',
    'Bake the bread at 220 degrees for thirty minutes.',
  ]);
  assert.ok(Math.abs(dot(query, query) - 1) < 1e-5);
  assert.ok(dot(query, related) > dot(query, unrelated) + 0.1);
  assert.deepEqual(await embedder.embed(['same text']), await embedder.embed(['same text']));
});

test("the offline embedder's vectors do not change under its id, or indexes built by it would mix two kinds", () => {
  // The digest of this vector as hashing-v3-256 has produced it since that id was introduced.
  const text =
    'Configure `maxRetries` for the CWnd::OnCreate handler; the autoscaler scales clusters. Retries, retrying, retried! 42 times 0xFFFF émigré naïve';
  const embedder = new HashingEmbedder();
  assert.equal(embedder.id, 'hashing-v3-256');
  const digest = createHash('sha256')
    .update(Buffer.from(embedder.embedOne(text).buffer))
    .digest('hex');
  assert.equal(digest, '2b92b61e4b145a49e227c944b7c7bb4265a83e002d11324e8ec723830645839d');
});

test('property: feature counts sum weights per key in first-insertion order, as a Map does, across reuse and growth', () => {
  const counts = new FeatureCounts();
  // Few distinct keys force repeats; signed and unsigned forms of the same bits must stay two keys.
  const key = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0xffffffff, 0xfffffffe, 0x80000000, -0x80000000), fc.integer());
  fc.assert(
    fc.property(fc.array(fc.array(fc.tuple(key, fc.constantFrom(0.25, 0.5, 1)), { maxLength: 6000 }), { maxLength: 4 }), (texts) => {
      for (const additions of texts) {
        counts.clear();
        const expected = new Map<number, number>();
        for (const [hash, weight] of additions) {
          counts.add(hash, weight);
          expected.set(hash, (expected.get(hash) ?? 0) + weight);
        }
        const actual = Array.from({ length: counts.size }, (_, i) => [counts.hashAt(i), counts.weightAt(i)]);
        assert.deepEqual(
          actual,
          [...expected].map(([hash, weight]) => [hash | 0, weight]),
        );
      }
    }),
    { numRuns: 60 },
  );
});

test('the OpenAI-compatible embedder sends model and dimensions and keeps input order', async () => {
  const embedder = new OpenAIEmbedder({ baseURL: server.baseURL, apiKey: 'sk-test', model: 'embed-small', dimensions: 16 });
  const before = server.requests.length;
  const vectors = await embedder.embed(['alpha', 'beta', 'alpha']);
  const request = server.requests[before];
  assert.equal(request.path, '/v1/embeddings');
  assert.equal(request.headers.authorization, 'Bearer sk-test');
  assert.deepEqual([request.body.model, request.body.dimensions, request.body.input], ['embed-small', 16, ['alpha', 'beta', 'alpha']]);
  assert.equal(vectors.length, 3);
  assert.deepEqual(vectors[0], vectors[2]);
  assert.notDeepEqual(vectors[0], vectors[1]);
});

test('the embedder retries a 429 and a 503 with backoff, then succeeds', async () => {
  const embedder = new OpenAIEmbedder({ baseURL: server.baseURL, apiKey: 'k', model: 'm', dimensions: 8 });
  server.enqueue({ status: 429, headers: { 'retry-after-ms': '10' } }, { status: 503, headers: { 'retry-after-ms': '10' } });
  const before = server.requests.length;
  const vectors = await embedder.embed(['x']);
  assert.equal(vectors.length, 1);
  assert.equal(server.requests.length - before, 3);
});

test('a 401 fails at once with the server message, without retrying', async () => {
  const embedder = new OpenAIEmbedder({ baseURL: server.baseURL, apiKey: 'bad', model: 'm', dimensions: 8 });
  server.enqueue({ status: 401, errorMessage: 'Incorrect API key provided' });
  const before = server.requests.length;
  await assert.rejects(embedder.embed(['x']), /Incorrect API key/);
  assert.equal(server.requests.length - before, 1);
});

test('embedding is cancellable', async () => {
  const embedder = new OpenAIEmbedder({ baseURL: server.baseURL, apiKey: 'k', model: 'm', dimensions: 8 });
  const controller = new AbortController();
  server.enqueue({ hangMs: 2000 });
  const pending = embedder.embed(['x'], controller.signal);
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(pending, (error: Error) => /abort/i.test(error.name + error.message));
});

test('a wrong vector size from the endpoint is an error, not a silently mixed index', async () => {
  const embedder = new OpenAIEmbedder({ baseURL: server.baseURL, apiKey: 'k', model: 'm', dimensions: 8 });
  server.defaultReply = () => ({});
  const original = embedder.embed.bind(embedder);
  // The loopback honours `dimensions`; ask it for 8 but expect 12 to see the check fire.
  Object.defineProperty(embedder, 'dimensions', { value: 12 });
  await assert.rejects(original(['x']), /returned 8 dimensions, the index expects 12/);
});

test('batches respect the input count and token limits and truncate an over-long input', () => {
  const texts = Array.from({ length: 5 }, (_, i) => `text ${i}`);
  assert.deepEqual(
    batchByLimits(texts, 2).map((b) => b.length),
    [2, 2, 1],
  );
  const long = 'token '.repeat(9000);
  const [[truncated]] = batchByLimits([long]);
  assert.ok(truncated.length < long.length);
  assert.deepEqual(
    batchByLimits(['a b c', 'd e f', 'g h i'], 100, 4).map((b) => b.length),
    [1, 1, 1],
  );
  // A page quoting a special token is embedded as the text it is.
  assert.deepEqual(batchByLimits(['ends with <|endoftext|>']), [['ends with <|endoftext|>']]);
});

test('an embedding endpoint that cannot be reached does not fail every question: search goes by words, says so once', async () => {
  const root = path.join(__dirname, '../fixtures/docs');
  const logged: string[] = [];
  const embedder = new OpenAIEmbedder({ baseURL: server.baseURL, apiKey: 'k', model: 'm', dimensions: 16, maxRetries: 0 });
  const index = await DocsIndex.open({ root, indexDir: path.join(await tempDir(), 'idx'), embedder, log: (m) => logged.push(m) });
  closeAtEnd(() => index.close());
  await index.update();
  // The endpoint goes away (its port now refuses): questions are still answered from the words of the docs.
  const down = new OpenAIEmbedder({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k', model: 'm', dimensions: 16, maxRetries: 0 });
  (index as unknown as { options: { embedder: unknown } }).options.embedder = down;
  const [first] = await index.search('max_retries backoff', { k: 3 });
  assert.equal(first?.path, 'guide/retries.rst');
  await index.search('install on windows', { k: 3 });
  const notices = logged.filter((m) => m.startsWith(EMBEDDER_UNREACHABLE));
  assert.equal(notices.length, 1, 'said once, not per question');
  assert.match(notices[0], /Searching by the words of the docs alone until it answers; the offline embedder needs no endpoint/);
  assert.ok(index.embedderProblem);
});
