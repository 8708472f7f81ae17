import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OpenAIEmbedder } from '../../src/core/embedding/openaiEmbedder';
import { OpenAIProvider } from '../../src/core/providers/openaiProvider';
import { LoopbackOpenAI } from '../support/loopbackOpenAI';

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
