import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCliCaptured } from '../support/cli';
import { LoopbackOpenAI } from '../support/loopbackOpenAI';
import { tempDir } from '../support/tempDir';

const repo = path.join(__dirname, '../..');
const fixtures = path.join(repo, 'test/fixtures/docs');

let server: LoopbackOpenAI;
before(async () => {
  server = await new LoopbackOpenAI().start();
});
after(() => server.stop());

/** Runs the CLI in its own process (a timer left behind would keep it alive: that is what is tested). */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'src/cli/index.ts'), ...args], {
      env: { ...process.env, OPENAI_API_KEY: 'k' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => (stdout += data));
    child.stderr.on('data', (data) => (stderr += data));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

test('ask --timeout holds against a 429 that asks to retry in an hour: it exits 1 at the deadline', async () => {
  const indexDir = path.join(await tempDir(), 'idx');
  // Index first, so the deadline covers the answer alone.
  assert.equal((await runCliCaptured(['index', fixtures, '--index', indexDir], { ...process.env })).code, 0);
  server.enqueue({ status: 429, headers: { 'retry-after': '3600' }, errorMessage: 'Rate limit reached' });
  const result = await runCli([
    'ask',
    fixtures,
    'How do I install widgetron?',
    '--index',
    indexDir,
    '--base-url',
    server.baseURL,
    '--timeout',
    '2',
  ]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /No complete answer after 2\.\d s/);
  assert.ok(result.ms < 10_000, `exited after ${result.ms} ms, not after the hour the server asked for`);
});

test('an answer stream cut mid-sentence is reported as cut off, keeps what arrived, and exits non-zero', async () => {
  const indexDir = path.join(await tempDir(), 'idx');
  server.enqueue({ chunks: ['Install it with ', 'pip install wid'], cutOff: true });
  const result = await runCli(['ask', fixtures, 'How do I install widgetron?', '--index', indexDir, '--base-url', server.baseURL]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /Install it with pip install wid/, 'what arrived is kept');
  assert.match(result.stderr, /The answer was cut off: .* closed the stream before the model finished \(\d+ characters arrived\)/);
  assert.doesNotMatch(result.stdout + result.stderr, /Not in your docs|not-in-docs/);
});

test('bad arguments exit 2 before any index work (no index folder is even created)', async () => {
  const base = await tempDir();
  const indexDir = path.join(base, 'idx');
  const env = { ...process.env, OPENAI_API_KEY: '' };
  for (const args of [
    ['ask', fixtures, 'How?', '--timeout', '0'],
    ['ask', fixtures, 'How?', '--provider', 'nope'],
    ['ask', fixtures, 'How?', '--base-url', 'notaurl'],
    ['eval', fixtures, '--queries', path.join(base, 'missing.jsonl')],
    ['eval', fixtures],
    ['search', fixtures],
  ]) {
    const result = await runCliCaptured([...args, '--index', indexDir], env);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^groundwork: /);
    assert.equal(await import('node:fs').then((fs) => fs.existsSync(indexDir)), false, `${args.join(' ')} built nothing`);
  }
});

test('an error event inside the stream and a redirect to a sign-in page are named as what they are', async () => {
  const { OpenAIProvider } = await import('../../src/core/providers/openaiProvider');
  const provider = new OpenAIProvider({ baseURL: server.baseURL, apiKey: 'sk-test', model: 'm', maxRetries: 0 });
  const drain = async () => {
    for await (const _event of provider.stream({ messages: [{ role: 'user', content: 'q' }], maxTokens: 10 })) void _event;
  };
  server.enqueue({ chunks: ['Partial'], streamError: 'The server had an error while processing your request.' });
  await assert.rejects(drain(), (error: Error) => {
    assert.match(error.message, /sent an error in the answer stream: The server had an error while processing your request\.$/);
    assert.doesNotMatch(error.message, /undefined|\.\./);
    return true;
  });
  server.enqueue({ status: 302, html: `<!doctype html><html><body>${'Sign in to continue. '.repeat(200)}</body></html>` });
  await assert.rejects(drain(), (error: Error) => {
    assert.match(error.message, /redirected the request \(302\), as a proxy or login page does/);
    assert.ok(error.message.length < 300, 'no HTML page in the message');
    return true;
  });
});
