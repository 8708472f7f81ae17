import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCliCaptured } from '../support/cli';
import { DocsIndex } from '../../src/core/indexing/docsIndex';
import { discoverDocuments, filterDocumentPaths } from '../../src/core/discovery/discover';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { IndexLock } from '../../src/core/store/indexLock';
import { closeAtEnd, tempDir, writeTree } from '../support/tempDir';

const cli = (args: string[]) => runCliCaptured(args, { ...process.env, OPENAI_API_KEY: '', GROUNDWORK_LOCK_WAIT_MS: '300' });

/** The reproduction from the trust issue: a key and /etc/passwd linked into the docs, and a linked folder. */
async function hostileTree() {
  const base = await tempDir();
  await writeTree(base, {
    'outside/id_rsa': '-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET\n',
    'outside/notes.md': '# Outside\n\nPRIVATE KEY material kept outside the workspace.\n',
    'docs/guide.md': '# Guide\n\nHow to configure retries.\n',
    'docs/inner/real.md': '# Real\n\nA page inside the folder.\n',
    'home/.ssh/config.md': '# ssh\n\nHost secret-host\n',
  });
  const docs = path.join(base, 'docs');
  await fs.symlink('../outside/id_rsa', path.join(docs, 'setup.md'));
  await fs.symlink('/etc/passwd', path.join(docs, 'users.md'));
  await fs.symlink('../outside', path.join(docs, 'more'));
  await fs.symlink('inner/real.md', path.join(docs, 'alias.md'));
  return { base, docs };
}

test('symlinks to outside the folder are skipped with a reason; links inside it are followed', async () => {
  const { docs } = await hostileTree();
  const { files, skipped } = await discoverDocuments(docs);
  assert.deepEqual(
    files.map((f) => f.path),
    ['alias.md', 'guide.md', 'inner/real.md'],
  );
  assert.deepEqual(skipped, [
    { path: 'more', reason: 'symlink to outside the folder' },
    { path: 'setup.md', reason: 'symlink to outside the folder' },
    { path: 'users.md', reason: 'symlink to outside the folder' },
  ]);
});

test('the CLI neither indexes nor finds a secret linked from outside, and status says why it was skipped', async () => {
  const { docs } = await hostileTree();
  const idx = ['--index', path.join(await tempDir(), 'idx')];
  assert.equal((await cli(['index', docs, ...idx])).code, 0);
  const search = await cli(['search', docs, 'PRIVATE KEY', '--json', ...idx]);
  assert.equal(search.code, 0);
  const results = JSON.parse(search.stdout).results as Array<{ path: string; text: string }>;
  assert.ok(!results.some((r) => /PRIVATE KEY|SECRET|root:/.test(r.text)), JSON.stringify(results));
  const status = await cli(['status', docs, ...idx]);
  assert.match(status.stdout, /setup\.md: symlink to outside the folder/);
  assert.match(status.stdout, /more: symlink to outside the folder/);
});

test('following external links is an opt-in, and never reaches a secret by its target name or a credential folder', async () => {
  const { base, docs } = await hostileTree();
  await fs.symlink(path.join(base, 'home/.ssh'), path.join(docs, 'sshdocs'));
  const { files, skipped } = await discoverDocuments(docs, { followExternalSymlinks: true });
  assert.ok(files.some((f) => f.path === 'more/notes.md'));
  assert.ok(files.some((f) => f.path === 'users.md'));
  assert.ok(!files.some((f) => f.path.startsWith('sshdocs') || f.path === 'setup.md' || f.path === 'more/id_rsa'));
  assert.deepEqual(
    skipped.filter((s) => s.path === 'setup.md' || s.path === 'sshdocs').map((s) => s.reason),
    ['symlink to a secret or credentials file (never indexed)', 'symlink to a secret or credentials file (never indexed)'],
  );
});

test('credential files and folders are never indexed, whatever the globs say', async () => {
  const root = await tempDir();
  await writeTree(root, {
    'ok.md': 'ok',
    'credentials.md': 'aws_secret_access_key = x',
    '.aws/config.md': 'x',
    '.ssh/notes.md': 'x',
    'vault.kdbx': 'x',
    '.pgpass': 'x',
    '.netrc': 'x',
  });
  const { files } = await discoverDocuments(root, { include: ['**/*'] });
  assert.deepEqual(
    files.map((f) => f.path),
    ['ok.md'],
  );
});

test('a watcher event for a link to outside the folder is refused like the walk refuses it', async () => {
  const { docs } = await hostileTree();
  const { files, skipped } = await filterDocumentPaths(docs, ['setup.md', 'users.md', 'guide.md', 'more/notes.md']);
  assert.deepEqual(
    files.map((f) => f.path),
    ['guide.md'],
  );
  assert.deepEqual(
    skipped.map((s) => s.path),
    ['more/notes.md', 'setup.md', 'users.md'],
  );
});

test('a watcher update below a nested .gitignore indexes the edit (no "path must not be empty" failure)', async () => {
  const root = await tempDir();
  await writeTree(root, { 'docs/.gitignore': 'drafts/\n', 'docs/page.md': '# Page\n\nfirst text\n', 'docs/drafts/wip.md': '# WIP\n' });
  const indexDir = path.join(await tempDir(), 'idx');
  const index = await DocsIndex.open({ root, indexDir, embedder: new HashingEmbedder(), log: () => {} });
  await index.update();
  await fs.writeFile(path.join(root, 'docs/page.md'), '# Page\n\nzebra crossing text\n');
  await fs.writeFile(path.join(root, 'docs/drafts/wip.md'), '# WIP\n\nzebra draft\n');
  const summary = await index.update({ paths: ['docs/page.md', 'docs/drafts/wip.md'] });
  assert.equal(summary.changed, 1);
  const results = await index.search('zebra');
  assert.deepEqual([...new Set(results.map((r) => r.path))], ['docs/page.md']);
  await index.close();
});

test('a manifest entry with a negative chunk count is reported and its file indexed again, not lost for good', async () => {
  const root = await tempDir();
  await writeTree(root, { 'a.md': '# A\n\nalpha text\n', 'b.md': '# B\n\nbravo text\n' });
  const indexDir = path.join(await tempDir(), 'idx');
  const messages: string[] = [];
  const options = { root, indexDir, embedder: new HashingEmbedder(), log: (m: string) => messages.push(m) };
  const built = await DocsIndex.open(options);
  await built.update();
  await built.close();
  const file = path.join(indexDir, 'manifest.json');
  const manifest = JSON.parse(await fs.readFile(file, 'utf8'));
  manifest.files['a.md'].chunks = -1;
  await fs.writeFile(file, JSON.stringify(manifest));
  const index = await DocsIndex.open(options);
  assert.match(messages.join('\n'), /a\.md: its chunk count is invalid \(-1\).*indexed again/);
  assert.equal((await index.update()).added, 1);
  assert.equal((await index.search('alpha'))[0].path, 'a.md');
  await index.close();
});

test('status reports a damaged shard, and index rewrites it', async () => {
  const root = await tempDir();
  await writeTree(root, { 'a.md': '# A\n\nalpha text\n', 'b.md': '# B\n\nbravo text\n' });
  const idx = ['--index', path.join(await tempDir(), 'idx')];
  assert.equal((await cli(['index', root, ...idx])).code, 0);
  const shard = (await fs.readdir(idx[1])).find((n) => n.startsWith('shard-'))!;
  await fs.writeFile(path.join(idx[1], shard), '{"version":1,"items":[');
  const status = await cli(['status', root, ...idx]);
  assert.match(status.stdout, /integrity: \d+ problem/);
  assert.match(status.stdout, /unreadable/);
  assert.equal((await cli(['index', root, ...idx])).code, 0);
  const again = await cli(['status', root, ...idx]);
  assert.match(again.stdout, /integrity: ok/);
  assert.equal(JSON.parse((await cli(['search', root, 'alpha', '--json', ...idx])).stdout).results[0].path, 'a.md');
});

test("one writer per index: a second process reads only, and a dead owner's lock is taken over", async () => {
  const root = await tempDir();
  await writeTree(root, { 'a.md': '# A\n\nalpha text\n' });
  const indexDir = path.join(await tempDir(), 'idx');
  await fs.mkdir(indexDir, { recursive: true });
  // A live process of another program holds the lock: pid 1 is always alive.
  const alive = { pid: 1, hostname: (await import('node:os')).hostname(), processStart: '', acquiredAt: 'now', token: 'other' };
  await fs.writeFile(path.join(indexDir, 'index.lock'), JSON.stringify(alive));
  const messages: string[] = [];
  const index = await DocsIndex.open({ root, indexDir, embedder: new HashingEmbedder(), log: (m) => messages.push(m) });
  closeAtEnd(() => index.close());
  assert.equal(index.writable, false);
  assert.match(messages.join('\n'), /another Groundwork process \(pid 1.*reading the index as it is/);
  await assert.rejects(index.update(), /another Groundwork process \(pid 1/);
  const busy = await cli(['index', root, '--index', indexDir]);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /Waiting for another Groundwork process \(pid 1\)[^]*try again when it finishes/);
  // The owner died (a pid that cannot exist): its lock is stale and the next writer takes it.
  await fs.writeFile(path.join(indexDir, 'index.lock'), JSON.stringify({ ...alive, pid: 2 ** 22 + 1 }));
  const lock = await IndexLock.acquire(indexDir);
  assert.ok(lock instanceof IndexLock);
  await lock.release();
  await assert.rejects(fs.access(path.join(indexDir, 'index.lock')));
});

test('text printed to a terminal has no escape sequences or control characters, and a file name cannot break a line', async () => {
  const root = await tempDir();
  await writeTree(root, {
    'evil\nname.md': '# Title \x1b]0;pwned\x07\n\nzebra \x1b[31mred\x1b[0m text with a bell\x07 and a carriage\rreturn\n',
  });
  const idx = ['--index', path.join(await tempDir(), 'idx')];
  await cli(['index', root, ...idx]);
  const search = await cli(['search', root, 'zebra', ...idx]);
  assert.equal(search.code, 0);
  assert.doesNotMatch(search.stdout, /[\x00-\x08\x0b-\x1f\x7f]/);
  assert.match(search.stdout, /1\. evil\\nname\.md:1-4/);
  assert.match(search.stdout, /zebra red text/);
  const json = JSON.parse((await cli(['search', root, 'zebra', '--json', ...idx])).stdout);
  assert.equal(json.results[0].path, 'evil\nname.md');
});

test('bad CLI arguments exit 2 with a one-line reason', async () => {
  const root = await tempDir();
  for (const [args, reason] of [
    [['search', root, 'q', '--k', '-1'], /--k must be a positive whole number, got "-1"/],
    [['search', root, 'q', '--embedder', 'bogus'], /--embedder must be offline or openai, got "bogus"/],
  ] as const) {
    const run = await cli([...args]);
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, reason);
  }
});

test('UTF-16 files with a byte order mark are read, not skipped as binary', async () => {
  const { decodeDocument } = await import('../../src/core/discovery/readDocument');
  const text = '# Título\n\nUTF-16 works.\n';
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const be = Buffer.from(le.subarray(2)).swap16();
  assert.deepEqual(decodeDocument(le), { ok: true, text, size: le.length, mtimeMs: 0 });
  assert.equal((decodeDocument(Buffer.concat([Buffer.from([0xfe, 0xff]), be])) as { text: string }).text, text);
});

test('key-shaped strings in an endpoint error are redacted before anyone sees them', async () => {
  const { redactSecrets } = await import('../../src/core/text/redact');
  const body =
    'Incorrect API key provided: sk-proj-abcdefghijklmnop1234567890. Authorization: Bearer abc.def-ghijklmnopqrstu; api_key="0123456789abcdef"';
  const redacted = redactSecrets(body);
  assert.doesNotMatch(redacted, /abcdefghijklmnop1234567890|ghijklmnopqrstu|0123456789abcdef/);
  assert.match(redacted, /Incorrect API key provided: \[redacted\]/);
});

test('temporary files a killed writer left are removed by the next writer, and other files in the folder are not', async () => {
  const root = await tempDir();
  await writeTree(root, { 'a.md': '# A\n\nalpha text\n' });
  const indexDir = path.join(await tempDir(), 'idx');
  const options = { root, indexDir, embedder: new HashingEmbedder(), log: () => {} };
  const built = await DocsIndex.open(options);
  await built.update();
  await built.close();
  await writeTree(indexDir, { 'shard-03.json.4242.7.tmp': '{"half', 'manifest.json.4242.tmp': '{', 'notes.txt.1.tmp': 'mine' });
  const index = await DocsIndex.open(options);
  const names = await fs.readdir(indexDir);
  assert.ok(!names.includes('shard-03.json.4242.7.tmp') && !names.includes('manifest.json.4242.tmp'), names.join(' '));
  assert.ok(names.includes('notes.txt.1.tmp'));
  assert.equal((await index.search('alpha'))[0].path, 'a.md');
  await index.close();
});
