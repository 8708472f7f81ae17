import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { VectraShards } from '../../src/core/store/vectraShards';
import { runCliCaptured } from '../support/cli';
import { failWritesUnder } from '../support/failingWrites';
import { tempDir, writeTree } from '../support/tempDir';

const cli = (args: string[]) => runCliCaptured(args, { ...process.env, OPENAI_API_KEY: '', GROUNDWORK_LOCK_WAIT_MS: '300' });

/** An index of a dozen pages (most of its 256 shards have no file yet). */
async function builtIndex() {
  const base = await tempDir();
  const files: Record<string, string> = {};
  for (let i = 0; i < 12; i++) files[`docs/page${i}.md`] = `# Page ${i}\n\nConfigure retries for service ${i} with max_retries.\n`;
  await writeTree(base, files);
  const docs = path.join(base, 'docs');
  const index = path.join(base, 'index');
  assert.equal((await cli(['index', docs, '--index', index])).code, 0);
  return { docs, index };
}

/** Every file in the folder with its size and time: what a read must leave exactly as it was. */
async function listing(dir: string): Promise<string[]> {
  const names = (await fs.readdir(dir)).sort();
  return Promise.all(names.map(async (name) => `${name} ${(await fs.stat(path.join(dir, name))).size}`));
}

test('status on a full disk deletes nothing and writes nothing (data loss)', async () => {
  const { docs, index } = await builtIndex();
  const before = await listing(index);
  const restore = await failWritesUnder(index, 'ENOSPC');
  let status;
  try {
    status = await cli(['status', docs, '--index', index, '--json']);
  } finally {
    restore();
  }
  assert.deepEqual(await listing(index), before, 'the index folder is exactly as it was');
  assert.equal(status.code, 0, status.stderr);
  const parsed = JSON.parse(status.stdout) as { files: number; problems: string[] };
  assert.equal(parsed.files, 12);
  assert.deepEqual(parsed.problems, []);
});

test('status writes nothing, not even a missing shard', async () => {
  const { docs, index } = await builtIndex();
  const before = await listing(index);
  assert.equal((await cli(['status', docs, '--index', index])).code, 0);
  assert.deepEqual(await listing(index), before);
});

test('a shard that cannot be written on a full disk never takes the index folder with it', async () => {
  const dir = await tempDir();
  await writeTree(dir, { 'manifest.json': '{}', 'shard-01.json.gz': 'kept' });
  const shards = new VectraShards(dir, 4);
  const restore = await failWritesUnder(dir, 'ENOSPC');
  try {
    await assert.rejects(shards.recreate(2, []));
  } finally {
    restore();
  }
  assert.deepEqual((await fs.readdir(dir)).sort(), ['manifest.json', 'shard-01.json.gz']);
});

test('search answers on a full disk and leaves no lock debris', async () => {
  const { docs, index } = await builtIndex();
  const restore = await failWritesUnder(index, 'ENOSPC');
  let search;
  try {
    search = await cli(['search', docs, 'configure retries for service 7', '--index', index, '--json']);
  } finally {
    restore();
  }
  assert.equal(search.code, 0, search.stderr);
  const results = (JSON.parse(search.stdout) as { results: Array<{ path: string }> }).results;
  assert.equal(results[0].path, 'page7.md');
  assert.deepEqual(
    (await fs.readdir(index)).filter((name) => name.endsWith('.tmp')),
    [],
    'a failed lock attempt leaves no temporary file',
  );
  assert.match(search.stderr, /read-only here \(the disk is full\)/);
});

test('an index folder this user may not write is searched and answered from, saying it is read-only', async () => {
  const { docs, index } = await builtIndex();
  const restore = await failWritesUnder(index, 'EACCES');
  let search;
  let ask;
  try {
    search = await cli(['search', docs, 'configure retries for service 3', '--index', index, '--json']);
    ask = await cli(['ask', docs, 'How do I configure retries for service 3?', '--index', index, '--json']);
  } finally {
    restore();
  }
  assert.equal(search.code, 0, search.stderr);
  assert.equal((JSON.parse(search.stdout) as { results: Array<{ path: string }> }).results[0].path, 'page3.md');
  assert.equal(ask.code, 0, ask.stderr);
  assert.doesNotMatch(search.stderr + ask.stderr, /EACCES/);
  assert.match(search.stderr, /read-only here \(no permission to write its folder\)/);
});

test('an index written by a newer version is left as it is, and the message says which version wrote it', async () => {
  const { docs, index } = await builtIndex();
  const manifestFile = path.join(index, 'manifest.json');
  const manifest = JSON.parse(await fs.readFile(manifestFile, 'utf8'));
  manifest.schemaVersion = 99;
  manifest.writtenBy = '9.9.9';
  await fs.writeFile(manifestFile, JSON.stringify(manifest));
  const before = await listing(index);
  for (const command of [
    ['search', docs, 'configure retries'],
    ['index', docs],
    ['status', docs],
  ]) {
    const result = await cli([...command, '--index', index]);
    assert.equal(result.code, 1, command[0]);
    assert.match(result.stderr, /written by a newer Groundwork \(9\.9\.9, index schema 99/, command[0]);
  }
  assert.deepEqual(await listing(index), before, 'nothing rebuilt, nothing written');
  assert.equal(JSON.parse(await fs.readFile(manifestFile, 'utf8')).schemaVersion, 99);
});

test('a writer whose index folder is deleted under it stops writing once another writer has the folder', async () => {
  const { docs, index } = await builtIndex();
  const { DocsIndex } = await import('../../src/core/indexing/docsIndex');
  const { HashingEmbedder } = await import('../../src/core/embedding/hashingEmbedder');
  const first = await DocsIndex.open({ root: docs, indexDir: index, embedder: new HashingEmbedder() });
  await first.update();
  assert.ok(first.writable);
  await fs.rm(index, { recursive: true, force: true });
  // A second process builds the index afresh in the same folder and holds its lock meanwhile.
  const { execFileSync } = await import('node:child_process');
  const repo = path.join(__dirname, '../..');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(repo, 'src/cli/index.ts'), 'index', docs, '--index', index], { cwd: repo });
  const lockOf = () => fs.readFile(path.join(index, 'index.lock'), 'utf8').catch(() => '');
  const { IndexLock } = await import('../../src/core/store/indexLock');
  const second = await IndexLock.acquire(index);
  assert.ok(second instanceof IndexLock);
  // Held by this process now, as another writer would hold it: the first writer must not write.
  const before = await listing(index);
  const heldBy = await lockOf();
  await fs.writeFile(path.join(docs, 'new.md'), '# New\n\nA page added while the folder changed hands.\n');
  await assert.rejects(first.update(), /lost its write lock/);
  assert.deepEqual(await listing(index), before, 'the first writer wrote nothing into the new folder');
  assert.equal(await lockOf(), heldBy);
  await second.release();
  await first.close().catch(() => undefined);
});

test('an update that finds nothing changed writes no manifest (readers would reopen on each)', async () => {
  const { docs, index } = await builtIndex();
  const manifest = path.join(index, 'manifest.json');
  const before = (await fs.stat(manifest)).mtimeMs;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal((await cli(['index', docs, '--index', index])).code, 0);
  assert.equal((await fs.stat(manifest)).mtimeMs, before);
  await fs.writeFile(path.join(docs, 'page3.md'), '# Page 3\n\nChanged.\n');
  assert.equal((await cli(['index', docs, '--index', index])).code, 0);
  assert.notEqual((await fs.stat(manifest)).mtimeMs, before, 'a real change is committed');
});
