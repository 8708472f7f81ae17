import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { answerQuestion, type AnswerRequest } from '../../src/core/answer/answerQuestion';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { DocsIndex } from '../../src/core/indexing/docsIndex';
import type { ChatProvider } from '../../src/core/providers/chatProvider';
import { OpenAIEmbedder } from '../../src/core/embedding/openaiEmbedder';
import { OpenAIProvider } from '../../src/core/providers/openaiProvider';
import { LoopbackOpenAI } from '../support/loopbackOpenAI';
import { tempDir } from '../support/tempDir';

const repo = path.join(__dirname, '../..');
const fixtures = path.join(repo, 'test/fixtures/docs');

let server: LoopbackOpenAI;
before(async () => {
  server = await new LoopbackOpenAI().start();
});
after(() => server.stop());

const LOGIN_PAGE = '<!doctype html><html><body><form action="/login">Sign in to the corporate proxy</form></body></html>';

test('a 200 chat answer that is a proxy login page is an error naming the endpoint, not an empty answer', async () => {
  server.enqueue({ html: LOGIN_PAGE });
  const provider = new OpenAIProvider({ baseURL: server.baseURL, model: 'm', apiKey: 'k', maxRetries: 0 });
  const events: unknown[] = [];
  await assert.rejects(
    (async () => {
      for await (const event of provider.stream({ messages: [{ role: 'user', content: 'q' }], maxTokens: 10 })) events.push(event);
    })(),
    (error: Error & { kind?: string }) => {
      assert.equal(error.kind, 'bad-response');
      assert.match(
        error.message,
        new RegExp(`${server.baseURL.replace(/[.:/]/g, '\\$&')} answered, but not with a chat completion stream`),
      );
      return true;
    },
  );
  assert.deepEqual(events, []);
});

test('a 200 embeddings answer that is not JSON is an error naming the endpoint', async () => {
  server.enqueue({ html: LOGIN_PAGE });
  const embedder = new OpenAIEmbedder({ baseURL: server.baseURL, model: 'e', apiKey: 'k', dimensions: 8, maxRetries: 0 });
  await assert.rejects(
    embedder.embed(['text']),
    new RegExp(`embeddings endpoint ${server.baseURL.replace(/[.:/]/g, '\\$&')} answered, but not with embeddings`),
  );
});

test('an endpoint that echoes the key in its error body has it redacted in the message', async () => {
  server.enqueue({ status: 401, errorMessage: 'Incorrect API key provided: sk-live-abcdefghijklmnopqrstuvwxyz012345.' });
  const provider = new OpenAIProvider({
    baseURL: server.baseURL,
    model: 'm',
    apiKey: 'sk-live-abcdefghijklmnopqrstuvwxyz012345',
    maxRetries: 0,
  });
  await assert.rejects(
    (async () => {
      for await (const event of provider.stream({ messages: [{ role: 'user', content: 'q' }], maxTokens: 10 }))
        assert.fail(`no event expected, got ${JSON.stringify(event)}`);
    })(),
    (error: Error) => {
      assert.doesNotMatch(error.message, /abcdefghijklmnopqrstuvwxyz012345/);
      assert.match(error.message, /\[redacted\]/);
      return true;
    },
  );
});

/** The seconds a message says it waited (`waited 1.2 s`, `after 0.8 s`). */
function secondsIn(message: string, label: RegExp): number {
  const match = message.match(new RegExp(`${label.source} (\\d+(?:\\.\\d)?) s`));
  assert.ok(match, `no wait in: ${message}`);
  return Number(match[1]);
}

test('an endpoint that never answers: the message states the time really waited, retries included', async () => {
  // Every attempt hangs past the client's per-attempt timeout; two retries follow the first attempt.
  for (let i = 0; i < 3; i++) server.enqueue({ hangMs: 3000 });
  const provider = new OpenAIProvider({
    baseURL: server.baseURL,
    model: 'm',
    apiKey: 'k',
    timeoutMs: 300,
    maxRetries: 2,
    remedies: { baseUrl: '--base-url', apiKey: 'OPENAI_API_KEY', model: '--model', timeout: '--timeout' },
  });
  const started = Date.now();
  await assert.rejects(
    (async () => {
      for await (const event of provider.stream({ messages: [{ role: 'user', content: 'q' }], maxTokens: 10 })) void event;
    })(),
    (error: Error & { kind?: string }) => {
      const waited = (Date.now() - started) / 1000;
      assert.equal(error.kind, 'timeout');
      assert.ok(Math.abs(secondsIn(error.message, /waited/) - waited) <= 0.2, `${error.message} (measured ${waited} s)`);
      assert.ok(waited >= 0.9, 'three attempts of 300 ms were made');
      assert.match(error.message, /Check --base-url/);
      return true;
    },
  );
});

/** The fixture docs indexed, and a question about them answered by `provider` within `timeoutMs`. */
async function askFixtures(request: Pick<AnswerRequest, 'provider' | 'timeoutMs' | 'remedies'>) {
  const index = await DocsIndex.open({ root: fixtures, indexDir: path.join(await tempDir(), 'idx'), embedder: new HashingEmbedder() });
  await index.update();
  return {
    answer: answerQuestion({
      question: 'How do I install widgetron?',
      search: (query, k) => index.search(query, { k }),
      searchedFiles: index.fileCount,
      ...request,
    }),
    close: () => index.close(),
  };
}

test('one deadline per answer: a hanging model is stopped at the limit, with what to change', async () => {
  server.enqueue({ hangMs: 5000 });
  const provider = new OpenAIProvider({ baseURL: server.baseURL, model: 'm', apiKey: 'k', maxRetries: 2 });
  const { answer, close } = await askFixtures({
    provider,
    timeoutMs: 800,
    remedies: {
      baseUrl: 'the setting groundwork.model.baseUrl',
      apiKey: 'a',
      model: 'b',
      timeout: 'the setting groundwork.answer.timeoutSeconds',
    },
  });
  const started = Date.now();
  await assert.rejects(answer, (error: Error & { kind?: string }) => {
    assert.equal(error.kind, 'timeout');
    assert.ok(Date.now() - started < 2000, 'stopped at the deadline, not after the endpoint gave up');
    assert.match(
      error.message,
      /^No complete answer after 0\.\d s \(the limit is 0\.8 s\)\. Raise the setting groundwork\.answer\.timeoutSeconds/,
    );
    assert.match(error.message, /groundwork\.model\.baseUrl/);
    return true;
  });
  await close();
});

test('the deadline holds even against a model that ignores cancellation', async () => {
  const deaf: ChatProvider = {
    name: 'deaf',
    model: 'deaf',
    async *stream() {
      await new Promise((resolve) => setTimeout(resolve, 3000)); // never looks at the signal
      yield { type: 'text' as const, text: 'too late' };
    },
  };
  const { answer, close } = await askFixtures({ provider: deaf, timeoutMs: 500 });
  const started = Date.now();
  await assert.rejects(answer, /No complete answer after 0\.\d s/);
  assert.ok(Date.now() - started < 1500);
  await close();
});

test('the CLI: --timeout bounds ask, messages name --base-url, and Ctrl+C stops it with exit 130', async () => {
  const indexDir = path.join(await tempDir(), 'idx');
  const run = (args: string[], interruptAfterRequest = false) =>
    new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) => {
      const started = Date.now();
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'src/cli/index.ts'), ...args], {
        env: { ...process.env, OPENAI_API_KEY: 'k' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (data) => (stderr += data));
      let poll: ReturnType<typeof setInterval> | undefined;
      if (interruptAfterRequest) {
        const seen = server.requests.length;
        poll = setInterval(() => {
          if (server.requests.length > seen) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 20);
      }
      child.on('exit', (code) => {
        clearInterval(poll);
        resolve({ code, stderr, ms: Date.now() - started });
      });
    });
  const ask = ['ask', fixtures, 'How do I install widgetron?', '--index', indexDir, '--base-url', server.baseURL];

  server.enqueue({ hangMs: 8000 });
  const timedOut = await run([...ask, '--timeout', '1']);
  assert.equal(timedOut.code, 1, timedOut.stderr);
  assert.match(
    timedOut.stderr,
    /No complete answer after 1\.\d s \(the limit is 1\.0 s\)\. Raise --timeout to wait longer, or check --base-url/,
  );

  server.enqueue({ hangMs: 8000 });
  const interrupted = await run(ask, true);
  assert.equal(interrupted.code, 130, interrupted.stderr);
  assert.match(interrupted.stderr, /Cancelled\./);

  const refused = await run(['ask', fixtures, 'How do I install widgetron?', '--index', indexDir, '--base-url', 'http://127.0.0.1:9/v1']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Cannot reach http:\/\/127\.0\.0\.1:9\/v1.*Check --base-url and the network/);
  assert.doesNotMatch(refused.stderr, /groundwork\.model/);
});
