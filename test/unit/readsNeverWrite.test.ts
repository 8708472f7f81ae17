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
