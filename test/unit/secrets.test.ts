import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileSecretsIn, readDocLines } from '../../src/core/docsTools/readDocLines';
import { runDocsSearch } from '../../src/core/docsTools/runDocsSearch';
import { docsSearchAsText } from '../../src/core/docsTools/searchDocs';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { OpenAIEmbedder } from '../../src/core/embedding/openaiEmbedder';
import { DocsIndex } from '../../src/core/indexing/docsIndex';
import { findSecrets, redactDocSecrets, redactPassages } from '../../src/core/secrets/redactSecrets';
import { runCliCaptured } from '../support/cli';
import { LoopbackOpenAI } from '../support/loopbackOpenAI';
import { closeAtEnd, tempDir, writeTree } from '../support/tempDir';

const GITHUB_TOKEN = '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';
const PRIVATE_KEY_BODY = Array.from({ length: 12 }, () => 'MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2+Kf9B8yCc1Mhd7cfdgzVJsEVSdP').join('\n');
const RUNBOOK =
  '# Deploy runbook\n\nTo deploy the billing service, authenticate the deploy bot with the token ' +
  `${GITHUB_TOKEN} and run the deploy job.\n\n` +
  `## Signing key\n\nThe deploy job signs releases with this key:\n\n-----BEGIN RSA PRIVATE KEY-----\n${PRIVATE_KEY_BODY}\n-----END RSA PRIVATE KEY-----\n`;

let server: LoopbackOpenAI;
before(async () => {
  server = await new LoopbackOpenAI().start();
});
after(() => server.stop());

async function runbookFolder() {
  const base = await tempDir();
  await writeTree(base, { 'docs/runbook.md': RUNBOOK, 'docs/other.md': '# Other\n\nNothing secret here.\n' });
  return { root: path.join(base, 'docs'), indexDir: path.join(base, 'idx') };
}

test('scanning for secrets keeps nothing behind: a server that scans for hours holds no timing entry per scan', async () => {
  // secretlint's profiler marks every rule of every scan in the process-wide performance timeline and keeps each
  // entry; a long-running MCP server or extension host grew by about 40 MB per thousand scans.
  const secretlintTimings = () => performance.getEntries().filter((entry) => entry.name.startsWith('@core>')).length;
  for (let i = 0; i < 20; i++) await findSecrets(`${RUNBOOK}\nscan ${i}`);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(secretlintTimings(), 0);
});

test("secretlint's recommended rules find a GitHub token and a private key; redaction names each", async () => {
  const found = await findSecrets(RUNBOOK);
  assert.deepEqual(
    found.map((f) => f.kind),
    ['GitHub token', 'private key'],
  );
  const redacted = await redactDocSecrets(RUNBOOK);
  assert.ok(!redacted.text.includes(GITHUB_TOKEN));
  assert.ok(!redacted.text.includes('MIIEpAIBAAKCAQEA'));
  assert.match(redacted.text, /token \[secret redacted: GitHub token\] and run/);
  assert.equal((await redactDocSecrets('# Plain\n\nNo secrets.\n')).found.length, 0);
});

test('ask sends no secret to the model, and the answer says what was redacted where', async () => {
  const { root, indexDir } = await runbookFolder();
  server.enqueue({ chunks: ['Authenticate the deploy bot, then run the deploy job [1].'] });
  const before = server.requests.length;
  const result = await runCliCaptured(
    [
      'ask',
      root,
      'How do I authenticate the deploy bot to deploy the billing service?',
      '--index',
      indexDir,
      '--base-url',
      server.baseURL,
      '--json',
    ],
    { ...process.env, OPENAI_API_KEY: 'sk-test' },
  );
  assert.equal(result.code, 0, result.stderr);
  const sent = JSON.stringify(server.requests.slice(before).map((r) => r.body));
  assert.ok(sent.includes('deploy bot'), 'the passage was sent');
  assert.ok(!sent.includes(GITHUB_TOKEN), 'but not the token');
  assert.ok(!sent.includes('MIIEpAIBAAKCAQEA'), 'nor the key');
  const answer = JSON.parse(result.stdout) as { notes: string[] };
  assert.ok(
    answer.notes.some((n) => /secrets? redacted before leaving this machine \(GitHub token in runbook\.md:3/.test(n)),
    answer.notes.join(' | '),
  );

  server.enqueue({ chunks: ['Use the token [1].'] });
  const kept = server.requests.length;
  await runCliCaptured(
    ['ask', root, 'How do I authenticate the deploy bot?', '--index', indexDir, '--base-url', server.baseURL, '--keep-secrets'],
    { ...process.env, OPENAI_API_KEY: 'sk-test' },
  );
  assert.ok(JSON.stringify(server.requests.slice(kept).map((r) => r.body)).includes(GITHUB_TOKEN), '--keep-secrets turns it off');
});

test('tool results never carry a secret; the local index (what hovers and the panel read) keeps the text', async () => {
  const { root, indexDir } = await runbookFolder();
  const index = await DocsIndex.open({ root, indexDir, embedder: new HashingEmbedder() });
  closeAtEnd(() => index.close());
  await index.update();
  const docs = {
    search: (query: string, options: { k: number }) => index.search(query, options),
    indexState: () => ({ state: 'ready' as const }),
  };
  const search = await runDocsSearch(docs, { query: 'deploy bot token signing key' }, { fileSecrets: fileSecretsIn([{ root }]) });
  const text = docsSearchAsText(search);
  assert.ok(!text.includes(GITHUB_TOKEN) && !JSON.stringify(search).includes(GITHUB_TOKEN));
  assert.ok(!JSON.stringify(search).includes('MIIEpAIBAAKCAQEA'));
  assert.match(text, /redacted before leaving this machine/);
  const read = await readDocLines([{ root }], { path: 'runbook.md' });
  assert.ok(!read.text.includes(GITHUB_TOKEN));
  assert.match(read.note!, /GitHub token in runbook\.md:3/);
  const local = await index.search('deploy bot token', { k: 3 });
  assert.ok(
    local.some((r) => r.text.includes(GITHUB_TOKEN)),
    'the local index is unchanged',
  );
  const off = await runDocsSearch(docs, { query: 'deploy bot token' }, { redactSecrets: false });
  assert.ok(JSON.stringify(off).includes(GITHUB_TOKEN), 'the setting turns it off');
});

test('a remote embedder is sent the redacted text', async () => {
  server.defaultReply = () => ({});
  const before = server.requests.length;
  const embedder = new OpenAIEmbedder({ baseURL: server.baseURL, apiKey: 'sk-test', model: 'text-embedding-3-small', dimensions: 8 });
  await embedder.embed([RUNBOOK]).catch(() => undefined);
  const sent = JSON.stringify(server.requests.slice(before).map((r) => r.body));
  assert.ok(sent.includes('deploy bot'), 'the text was sent');
  assert.ok(!sent.includes(GITHUB_TOKEN));
});

test('a passage scanned before is redacted again from what was remembered, however many passages came between', async () => {
  const secret = { path: 'runbook.md', startLine: 1, text: `Authenticate with ${GITHUB_TOKEN} first.` };
  const first = await redactPassages([secret]);
  assert.ok(!first.passages[0].text.includes(GITHUB_TOKEN));
  // More passages than are remembered, then the secret one again in the same call: it must not be lost to eviction.
  const others = Array.from({ length: 2100 }, (_, i) => ({ path: `p${i}.md`, startLine: 1, text: `Passage ${i} says nothing secret.` }));
  const again = await redactPassages([...others, secret]);
  assert.ok(!again.passages[others.length].text.includes(GITHUB_TOKEN));
  assert.match(again.note!, /GitHub token in runbook\.md:1/);
  const once = await redactPassages([secret]);
  assert.ok(!once.passages[0].text.includes(GITHUB_TOKEN));
});

test('a file’s remembered secrets are read again once the file changes', async () => {
  const { root } = await runbookFolder();
  const secretsOf = fileSecretsIn([{ root, name: 'docs' }]);
  const before = await secretsOf('runbook.md');
  assert.ok(before!.fragments.some((f) => f.text.startsWith('MIIEpAIBAAKCAQEA')));
  const key2 = PRIVATE_KEY_BODY.replace(/MIIEpAIBAAKCAQEA/g, 'MIIEowIBAAKCAQEB');
  await fs.writeFile(path.join(root, 'runbook.md'), RUNBOOK.replace(PRIVATE_KEY_BODY, key2) + '\nOne more line.\n');
  const after = await secretsOf('runbook.md');
  assert.ok(
    after!.fragments.some((f) => f.text.startsWith('MIIEowIBAAKCAQEB')),
    'the changed file was scanned again',
  );
});
