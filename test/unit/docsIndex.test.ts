import assert from 'node:assert/strict';
import { promises as fs, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import { ANALYZER_VERSION } from '../../src/core/retrieval/analyzer';
import { DocsIndex, type DocsIndexOptions } from '../../src/core/indexing/docsIndex';
import type { Embedder } from '../../src/core/embedding/embedder';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { VectraShards } from '../../src/core/store/vectraShards';
import { closeAtEnd, tempDir, writeTree } from '../support/tempDir';

/** Opens an index that is closed when this file's tests finish, if a test leaves it open (see `closeAtEnd`). */
async function openIndex(options: DocsIndexOptions): Promise<DocsIndex> {
  const index = await DocsIndex.open(options);
  closeAtEnd(() => index.close());
  return index;
}

const fixtures = path.join(__dirname, '../fixtures/docs');

/** Counts the texts embedded, which is how we see which files an update touched. */
class CountingEmbedder implements Embedder {
  readonly inner = new HashingEmbedder({ dimensions: 64 });
  readonly id = this.inner.id;
  readonly dimensions = 64;
  embedded: string[] = [];
  async embed(texts: string[], signal?: AbortSignal) {
    this.embedded.push(...texts);
    return this.inner.embed(texts, signal);
  }
}

/** `count` small docs, `many/doc-000.md` on, in the order the indexer visits them. */
function manyDocs(count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) files[`many/doc-${String(i).padStart(3, '0')}.md`] = `# Doc ${i}\n\nTopic number ${i}.\n`;
  return files;
}

async function setup(files: Record<string, string | Uint8Array> = {}) {
  const root = await tempDir();
  await fs.cp(fixtures, root, { recursive: true });
  await writeTree(root, files);
  const indexDir = path.join(await tempDir(), 'index');
  const embedder = new CountingEmbedder();
  const messages: string[] = [];
  const options: DocsIndexOptions = { root, indexDir, embedder, shardCount: 4, log: (m) => messages.push(m) };
  return { root, indexDir, embedder, messages, options };
}

test('indexes the fixtures and finds the passage that answers a question', async () => {
  const { options } = await setup();
  const index = await openIndex(options);
  const summary = await index.update();
  assert.equal(summary.added, 4);
  const [top] = await index.search('how many gigawatts does the flux capacitor need');
  assert.equal(top.path, 'api/notes.txt');
  assert.equal(top.startLine, 1);
  const [retry] = await index.search('how do I configure max_retries');
  assert.deepEqual([retry.path, retry.startLine, retry.endLine, retry.headingPath], ['guide/retries.rst', 1, 21, ['Retry policy']]);
  assert.ok(retry.lexicalScore > 0 && retry.vectorScore > 0);
});

test('re-indexing touches only added, changed and removed files', async () => {
  const { root, options, embedder } = await setup();
  const index = await openIndex(options);
  await index.update();
  embedder.embedded = [];
  const again = await index.update();
  assert.deepEqual([again.added, again.changed, again.removed, again.unchanged], [0, 0, 0, 4]);
  assert.equal(embedder.embedded.length, 0);

  await fs.writeFile(path.join(root, 'api/notes.txt'), 'The flux capacitor now needs 2.42 gigawatts.\n');
  await fs.rm(path.join(root, 'guide/retries.rst'));
  await fs.writeFile(path.join(root, 'guide/new.md'), '# Teleporter\n\nThe teleporter beams cargo.\n');
  const next = await index.update();
  assert.deepEqual([next.added, next.changed, next.removed, next.unchanged], [1, 1, 1, 2]);
  assert.equal(embedder.embedded.length, 2);
  assert.equal(
    (await index.search('retry policy exponential backoff')).some((r) => r.path === 'guide/retries.rst'),
    false,
  );
  const [found] = await index.search('teleporter cargo');
  assert.equal(found.path, 'guide/new.md');
});

test('editing one section of a long page embeds only that section again', async () => {
  const sections = Array.from({ length: 12 }, (_, i) => `## Part ${i}\n\n${`Topic ${i} covers widget ${i} in detail. `.repeat(40)}\n`);
  const { root, options, embedder } = await setup({ 'long.md': `# Long page\n\n${sections.join('\n')}` });
  const index = await openIndex(options);
  await index.update();
  const before = await index.search('widget 3 in detail', { k: 3 });
  embedder.embedded = [];
  sections[7] = '## Part 7\n\nPart seven now explains the flux regulator instead.\n';
  await fs.writeFile(path.join(root, 'long.md'), `# Long page\n\n${sections.join('\n')}`);
  const summary = await index.update({ paths: ['long.md'] });
  assert.equal(summary.changed, 1);
  assert.equal(embedder.embedded.length, 1);
  assert.match(embedder.embedded[0], /flux regulator/);
  assert.equal((await index.search('flux regulator', { k: 1 }))[0].startLine > 1, true);
  // The sections that did not change kept their vectors (BM25 statistics move with any edit; vectors must not).
  const after = await index.search('widget 3 in detail', { k: 3 });
  const vectorParts = (results: typeof before) => results.map((r) => [r.startLine, r.vectorScore]);
  assert.deepEqual(vectorParts(after), vectorParts(before));
});

test("an edit above unchanged sections moves their lines and their sections' spans, in memory, in the snapshot and in the shards", async () => {
  const sections = Array.from({ length: 8 }, (_, i) => `## Part ${i}\n\n${`Topic ${i} covers gadget ${i} in detail. `.repeat(30)}\n`);
  const page = () => `# Long page\n\n${sections.join('\n')}`;
  const { root, indexDir, options, embedder } = await setup({ 'long.md': page() });
  const built = await openIndex(options);
  await built.update();
  await built.close();
  // Opened from the snapshot, the unchanged sections are rows of its frozen base.
  const index = await openIndex(options);
  const lineOf = (heading: string) => page().split('\n').indexOf(heading) + 1;
  const before = (await index.search('gadget 6 in detail', { k: 1 }))[0];
  assert.equal(before.startLine, lineOf('## Part 6'));
  // Its whole section, as the agents' tools give it (kept between searches while the index does not change).
  const sectionOf = async () => (await index.search('gadget 6 in detail', { k: 1, withSections: true }))[0].section!;
  const sectionBefore = await sectionOf();
  assert.equal(sectionBefore.startLine, lineOf('## Part 6'));
  embedder.embedded = [];
  sections[2] = sections[2].replace('\n\n', '\n\nThree new lines.\n\nAbove the rest.\n\n');
  await fs.writeFile(path.join(root, 'long.md'), page());
  await index.update({ paths: ['long.md'] });
  assert.equal(embedder.embedded.length, 1, 'only the edited section is embedded');
  const expected = { startLine: lineOf('## Part 6'), text: before.text };
  assert.equal(expected.startLine, before.startLine + 4);
  const moved = async (opened: DocsIndex) => {
    const [top] = await opened.search('gadget 6 in detail', { k: 1 });
    // Closing writes what a load from the shards schedules, before the test's folders are removed.
    if (opened !== index) await opened.close();
    return { startLine: top.startLine, text: top.text };
  };
  assert.deepEqual(await moved(index), expected);
  assert.deepEqual(
    await sectionOf(),
    { startLine: sectionBefore.startLine + 4, endLine: sectionBefore.endLine + 4 },
    'the section moved too',
  );
  await index.close();
  assert.deepEqual(await moved(await openIndex(options)), expected, 'the snapshot holds the new lines');
  await fs.rm(path.join(indexDir, 'search-snapshot.bin'));
  assert.deepEqual(await moved(await openIndex(options)), expected, 'the shards hold the new lines');
});

test('with updateAfterOpen the first update uses the walk made while opening; otherwise an update walks anew', async () => {
  const { root, options } = await setup();
  await (await openIndex(options)).update();
  const prefetching = await openIndex({ ...options, updateAfterOpen: true });
  await fs.writeFile(path.join(root, 'late.md'), '# Late\n\nWritten after opening began.\n');
  assert.equal((await prefetching.update()).added, 0);
  // The next update walks the folder again and finds it.
  assert.equal((await prefetching.update()).added, 1);

  await fs.writeFile(path.join(root, 'later.md'), '# Later\n\nAlso written after opening.\n');
  const plain = await openIndex(options);
  await fs.writeFile(path.join(root, 'latest.md'), '# Latest\n\nWritten after opening, found at once.\n');
  assert.equal((await plain.update()).added, 2);
});

test('a file touched without a content change is not re-embedded', async () => {
  const { root, options, embedder } = await setup();
  const index = await openIndex(options);
  await index.update();
  embedder.embedded = [];
  const file = path.join(root, 'api/notes.txt');
  await fs.utimes(file, new Date(), new Date(Date.now() + 5000));
  const summary = await index.update();
  assert.equal(summary.unchanged, 4);
  assert.equal(embedder.embedded.length, 0);
});

test('a reopened index answers from disk without re-embedding anything', async () => {
  const { options, embedder } = await setup();
  await (await openIndex(options)).update();
  embedder.embedded = [];
  const reopened = await openIndex(options);
  assert.equal(reopened.fileCount, 4);
  const summary = await reopened.update();
  assert.equal(summary.unchanged, 4);
  assert.deepEqual(embedder.embedded, []);
  assert.equal((await reopened.search('quantum sprocket dial'))[0].path, 'guide/tour.ipynb');
});

test('bad files are skipped with reasons and the rest is indexed', async () => {
  const { options } = await setup({
    'bad/binary.md': Uint8Array.from([0, 1, 2, 3]),
    'bad/latin1.md': Uint8Array.from([0x63, 0x61, 0x66, 0xe9]),
    'bad/empty.md': '',
    'bad/big.md': 'x'.repeat(3000),
    'bad/broken.ipynb': '{ not json',
  });
  const index = await openIndex({ ...options, maxFileBytes: 2000 });
  await index.update();
  const status = await index.status();
  assert.deepEqual(status.skipped.map((s) => `${s.path}: ${s.reason}`).sort(), [
    'bad/big.md: over the size limit (2.9 KB > 2.0 KB)',
    'bad/binary.md: binary content',
    'bad/broken.ipynb: malformed notebook: ' +
      status.skipped.find((s) => s.path === 'bad/broken.ipynb')!.reason.slice('malformed notebook: '.length),
    'bad/latin1.md: not valid UTF-8',
  ]);
  assert.equal(status.files, 5);
});

test('a corrupt manifest is detected on open and the index rebuilt, with a message', async () => {
  const { options, indexDir, messages } = await setup();
  await (await openIndex(options)).update();
  await fs.writeFile(path.join(indexDir, 'manifest.json'), '{"schemaVersion": 1, "files": {');
  const index = await openIndex(options);
  assert.match(messages.join('\n'), /corrupt.*rebuilding/);
  assert.equal(index.fileCount, 0);
  await index.update();
  assert.equal((await index.search('flux capacitor'))[0].path, 'api/notes.txt');
});

test('shards are gzipped JSON with base64 vectors; shards of earlier versions (plain JSON, integer or decimal vectors) open into the same index', async () => {
  const { options, indexDir } = await setup();
  const built = await openIndex(options);
  await built.update();
  const expected = await built.search('flux capacitor gigawatts', { k: 4 });
  const shards = (await fs.readdir(indexDir)).filter((n) => n.startsWith('shard-'));
  assert.ok(shards.length > 0 && shards.every((n) => /^shard-\d\d\.json\.gz$/.test(n)), shards.join(', '));
  // Written back as the version before compression did: items alternately as the version before base64 vectors
  // (integers in Vectra's own field) and the one before that (decimals).
  for (const name of shards) {
    const file = path.join(indexDir, name);
    const data = JSON.parse(gunzipSync(await fs.readFile(file)).toString('utf8'));
    data.items.forEach((item: { vector: number[]; metadata: { vector?: string } }, i: number) => {
      assert.deepEqual(item.vector, []);
      const bytes = Buffer.from(item.metadata.vector!, 'base64');
      assert.equal(bytes.length, 2 * 64);
      item.vector = Array.from({ length: 64 }, (_, j) => bytes.readInt16LE(j * 2) / (i % 2 ? 1e4 : 1));
      delete item.metadata.vector;
    });
    await fs.rm(file);
    await fs.writeFile(file.replace(/\.gz$/, ''), JSON.stringify(data));
  }
  await fs.rm(path.join(indexDir, 'search-snapshot.bin'), { force: true });
  // No snapshot: every vector comes from the old shards, which are read where they are, with no repair.
  const messages = [] as string[];
  const reopened = await openIndex({ ...options, log: (m) => messages.push(m) });
  assert.equal(reopened.fileCount, 4);
  assert.deepEqual(await reopened.search('flux capacitor gigawatts', { k: 4 }), expected);
  assert.equal(messages.join('\n'), '');
  // The next write of a shard compresses it under the current name.
  await fs.appendFile(path.join(options.root, 'guide/install.md'), '\nThe frobnicator needs a reboot.\n');
  await reopened.update();
  const after = (await fs.readdir(indexDir)).filter((n) => n.startsWith('shard-'));
  assert.ok(after.some((n) => n.endsWith('.json.gz')) && after.length === shards.length, after.join(', '));
  await reopened.close();
  await fs.rm(path.join(indexDir, 'search-snapshot.bin'));
  const third = await openIndex({ ...options, log: (m) => messages.push(m) });
  assert.equal((await third.search('frobnicator reboot'))[0].path, 'guide/install.md');
  assert.equal(messages.join('\n'), '');
});

test('a half-written shard is detected, and only its files are indexed again', async () => {
  const { options, indexDir, messages, embedder } = await setup();
  await (await openIndex(options)).update();
  const shards = (await fs.readdir(indexDir)).filter((n) => n.startsWith('shard-'));
  const sizes = await Promise.all(shards.map(async (n) => (await fs.stat(path.join(indexDir, n))).size));
  const victim = path.join(indexDir, shards[sizes.indexOf(Math.max(...sizes))]);
  const full = await fs.readFile(victim, 'utf8');
  await fs.writeFile(victim, full.slice(0, Math.floor(full.length / 2)));
  embedder.embedded = [];
  const index = await openIndex(options);
  assert.match(messages.join('\n'), /unreadable.*indexed again/);
  const summary = await index.update();
  assert.ok(summary.added >= 1 && summary.added + summary.unchanged === 4);
  assert.equal(embedder.embedded.length > 0, true);
  assert.equal(index.fileCount, 4);
  assert.equal((await index.search('flux capacitor gigawatts'))[0].path, 'api/notes.txt');
});

test('shard contents that disagree with the manifest are repaired on open', async () => {
  const { options, indexDir, messages } = await setup();
  await (await openIndex(options)).update();
  // Simulate a crash between writing a shard and the manifest: the manifest forgets a file the shards hold.
  const manifest = JSON.parse(await fs.readFile(path.join(indexDir, 'manifest.json'), 'utf8'));
  delete manifest.files['api/notes.txt'];
  manifest.files['ghost.md'] = { hash: '0'.repeat(32), size: 1, mtimeMs: 1, chunks: 1 };
  await fs.writeFile(path.join(indexDir, 'manifest.json'), JSON.stringify(manifest));
  const index = await openIndex(options);
  assert.match(messages.join('\n'), /Repaired the index: 1 file/);
  assert.equal(
    (await index.search('flux capacitor gigawatts')).some((r) => r.path === 'api/notes.txt'),
    false,
  );
  await index.update();
  assert.equal((await index.search('flux capacitor gigawatts'))[0].path, 'api/notes.txt');
});

test('an index keeps the shard layout it was built with, and a damaged shard count is reported and rebuilt', async () => {
  const { options, indexDir, messages } = await setup();
  const built = await openIndex(options);
  await built.update();
  await built.close();
  // Opened without asking for a layout (as the CLI and the extension do): the recorded one is used, nothing rebuilt.
  const { shardCount, ...withoutLayout } = options;
  assert.equal(shardCount, 4);
  const reopened = await openIndex(withoutLayout);
  assert.equal((await reopened.update()).unchanged, 4);
  assert.deepEqual(messages, []);
  const manifestFile = path.join(indexDir, 'manifest.json');
  const manifest = JSON.parse(await fs.readFile(manifestFile, 'utf8'));
  await fs.writeFile(manifestFile, JSON.stringify({ ...manifest, shardCount: 0 }));
  const rebuilt = await openIndex(withoutLayout);
  assert.match(messages.join('\n'), /corrupt \(manifest has an invalid shard count \(0\)\); rebuilding it/);
  assert.equal((await rebuilt.update()).added, 4);
  await rebuilt.close();
});

test('changing the embedder rebuilds the index cleanly instead of mixing vectors', async () => {
  const { options, messages } = await setup();
  await (await openIndex(options)).update();
  const other = new HashingEmbedder({ dimensions: 32 });
  const index = await openIndex({ ...options, embedder: other });
  assert.match(messages.join('\n'), /Rebuilding the index: it was built with the embedder hashing-v3-64, now hashing-v3-32/);
  assert.equal(index.fileCount, 0);
  await index.update();
  assert.equal((await index.status()).embedder, 'hashing-v3-32');
  assert.equal(index.fileCount, 4);
});

test('an index built by the previous text analyzer (no compounds) is rebuilt with a message, its snapshot unused', async () => {
  const { options, messages } = await setup();
  const first = await openIndex(options);
  await first.update();
  await first.close();
  // What an index written before analyzer v2 looks like: no analyzer version in its manifest or snapshot header.
  const manifestFile = path.join(options.indexDir, 'manifest.json');
  const { analyzerVersion, ...older } = JSON.parse(await fs.readFile(manifestFile, 'utf8'));
  assert.equal(analyzerVersion, ANALYZER_VERSION);
  await fs.writeFile(manifestFile, JSON.stringify(older));
  const reopened = await openIndex(options);
  assert.match(
    messages.join('\n'),
    new RegExp(`Rebuilding the index: it was built with text analyzer v1, this version reads text with v${ANALYZER_VERSION}`),
  );
  assert.equal(reopened.fileCount, 0);
  assert.equal((await reopened.update()).added, 4);
  assert.equal((await reopened.search('retries', { k: 1 }))[0]?.path, 'guide/retries.rst');
  await reopened.close();
});

test('a cancelled build keeps what it committed and reports exactly that', async () => {
  const { options } = await setup(manyDocs(200));
  const controller = new AbortController();
  const index = await openIndex(options);
  const summary = await index.update({
    signal: controller.signal,
    progress: ({ done }) => {
      if (done === 50) controller.abort();
    },
  });
  assert.equal(summary.cancelled, true);
  assert.ok(index.fileCount > 0 && index.fileCount < 204);
  const reopened = await openIndex(options);
  assert.equal(reopened.fileCount, index.fileCount);
  assert.equal(reopened.chunkCount, index.chunkCount);
  const finished = await reopened.update();
  assert.equal(finished.cancelled, false);
  assert.equal(reopened.fileCount, 204);
});

/** Records each shard write (a new shard's items are written by `apply` too) and can fail the n-th. */
function spyOnShardWrites(failAt?: number) {
  const writes: number[] = [];
  const apply = VectraShards.prototype.apply;
  VectraShards.prototype.apply = function (shard, ...rest) {
    writes.push(shard);
    if (writes.length === failAt) return Promise.reject(new Error('disk full'));
    return apply.call(this, shard, ...rest);
  };
  return { writes, restore: () => (VectraShards.prototype.apply = apply) };
}

test('a full build writes each of its shards exactly once', async () => {
  const { options } = await setup(manyDocs(120));
  const spy = spyOnShardWrites();
  try {
    await (await openIndex(options)).update();
  } finally {
    spy.restore();
  }
  assert.deepEqual(spy.writes, [0, 1, 2, 3]);
});

test('a build that fails between shards leaves an index that reopens consistent and completes', async () => {
  const { options } = await setup(manyDocs(120));
  const spy = spyOnShardWrites(3);
  try {
    await assert.rejects((await openIndex(options)).update(), /disk full/);
  } finally {
    spy.restore();
  }
  // The manifest is written after the shards, so it lists none of this build's files: what two shards hold is
  // unlisted, dropped on open, and indexed again.
  const reopened = await openIndex(options);
  assert.equal(reopened.fileCount, 0);
  assert.equal(reopened.chunkCount, 0);
  const summary = await reopened.update();
  assert.equal(summary.added, 124);
  assert.equal((await reopened.search('Topic number 77', { k: 1 }))[0].path, 'many/doc-077.md');
});

test('a cancel that interrupts embedding still stores what was read, consistently with what is reported', async () => {
  const { options } = await setup(manyDocs(200));
  const controller = new AbortController();
  const hashing = new HashingEmbedder();
  let calls = 0;
  // Cancelled while a batch is being embedded, as a user's Cancel lands during a slow remote request.
  const interrupted: Embedder = {
    id: hashing.id,
    dimensions: hashing.dimensions,
    async embed(texts, signal) {
      if (calls++ === 0) controller.abort();
      signal?.throwIfAborted();
      return hashing.embed(texts);
    },
  };
  const index = await openIndex({ ...options, embedder: interrupted });
  const summary = await index.update({ signal: controller.signal });
  assert.equal(summary.cancelled, true);
  assert.equal(index.fileCount, summary.added);
  assert.ok(index.fileCount > 0);
  const reopened = await openIndex({ ...options, embedder: hashing });
  assert.equal(reopened.fileCount, index.fileCount);
  assert.equal(reopened.chunkCount, index.chunkCount);
  assert.equal((await reopened.search('doc 7', { k: 1 })).length, 1);
});

test('a file deleted during indexing is reported, not fatal', async () => {
  const { root, options } = await setup(manyDocs(60));
  const index = await openIndex(options);
  const summary = await index.update({
    progress: ({ done }) => {
      // Files are read a few ahead of the one being indexed; delete one well beyond that window.
      if (done === 1) rmSync(path.join(root, 'many/doc-059.md'));
    },
  });
  assert.equal(summary.cancelled, false);
  const status = await index.status();
  assert.ok(status.skipped.some((s) => s.path === 'many/doc-059.md' && s.reason === 'unreadable: file not found'));
  assert.equal(status.files, 63);
});

test('a file changed during indexing is indexed as read, and the next update picks up the change', async () => {
  const { root, options } = await setup(manyDocs(60));
  const index = await openIndex(options);
  await index.update({
    progress: ({ done }) => {
      if (done === 1) writeFileSync(path.join(root, 'many/doc-059.md'), '# Doc 59\n\nNow about hovercraft eels.\n');
    },
  });
  const next = await index.update();
  assert.equal(next.changed + next.unchanged, 64);
  assert.equal((await index.search('hovercraft eels'))[0].path, 'many/doc-059.md');
});

test('path globs filter search results', async () => {
  const { options } = await setup();
  const index = await openIndex(options);
  await index.update();
  const results = await index.search('install compiler retries sprocket', { pathGlobs: ['guide/*.rst'] });
  assert.ok(results.length > 0);
  assert.ok(results.every((r) => r.path === 'guide/retries.rst'));
});

test('a targeted update looks only at the paths a watcher reported', async () => {
  const { root, options, embedder } = await setup({ '.gitignore': 'drafts/\n' });
  const index = await openIndex(options);
  await index.update();
  embedder.embedded = [];
  await fs.writeFile(path.join(root, 'api/notes.txt'), 'The flux capacitor was replaced by a warp coil.\n');
  await fs.writeFile(path.join(root, 'guide/install.md'), '# Installing\n\nChanged, but not reported.\n');
  await writeTree(root, { 'drafts/wip.md': '# Draft\n\nIgnored by .gitignore.\n', 'new/fresh.md': '# Fresh\n\nA brand new warp page.\n' });
  const summary = await index.update({ paths: ['api/notes.txt', 'drafts/wip.md', 'new/fresh.md'] });
  assert.deepEqual([summary.added, summary.changed, summary.removed], [1, 1, 0]);
  assert.equal(embedder.embedded.length, 2);
  assert.deepEqual(
    (await index.search('warp'))
      .slice(0, 2)
      .map((r) => r.path)
      .sort(),
    ['api/notes.txt', 'new/fresh.md'],
  );
  assert.ok(!(await index.search('Changed, but not reported')).some((r) => r.text.includes('Changed, but not reported')));

  await fs.rm(path.join(root, 'guide'), { recursive: true });
  const removed = await index.update({ paths: ['guide'] });
  assert.equal(removed.removed, 3);
  assert.equal(index.fileCount, 2);
});

test('a closed index reopens from its search snapshot without reading a single shard', async (t) => {
  const { options, indexDir, messages, embedder } = await setup();
  const built = await openIndex(options);
  assert.equal((await built.status()).snapshot.state, 'none');
  await built.update();
  assert.equal((await built.status()).snapshot.state, 'pending');
  await built.close();
  const { snapshot } = await built.status();
  assert.equal(snapshot.state, 'current');
  assert.equal(snapshot.bytes, (await fs.stat(path.join(indexDir, 'search-snapshot.bin'))).size);
  // Shards whose size and time are as the manifest recorded them are trusted, not read.
  const load = t.mock.method(VectraShards.prototype, 'load');
  embedder.embedded = [];
  const index = await openIndex(options);
  assert.deepEqual(messages, []);
  assert.equal(index.fileCount, 4);
  assert.equal(index.chunkCount, (await index.status()).chunks);
  const [top] = await index.search('how do I configure max_retries');
  assert.deepEqual([top.path, top.startLine, top.endLine, top.headingPath], ['guide/retries.rst', 1, 21, ['Retry policy']]);
  assert.equal((await index.update()).unchanged, 4);
  assert.deepEqual(embedder.embedded, ['how do I configure max_retries']);
  assert.equal(load.mock.callCount(), 0);
});

for (const damage of ['unreadable', 'deleted'] as const) {
  test(`a shard ${damage} behind a good snapshot is rewritten from memory on its next update, losing nothing`, async () => {
    const { root, options: fourShards, indexDir, messages } = await setup();
    // One shard, so the edited file shares it with the others.
    const options = { ...fourShards, shardCount: 1 };
    const built = await openIndex(options);
    await built.update();
    await built.close();
    const shards = (await fs.readdir(indexDir)).filter((n) => n.startsWith('shard-'));
    for (const name of shards) {
      if (damage === 'unreadable') await fs.writeFile(path.join(indexDir, name), 'garbage');
      else await fs.rm(path.join(indexDir, name));
    }
    const index = await openIndex(options);
    await fs.appendFile(path.join(root, 'guide/install.md'), '\nThe frobnicator needs a reboot.\n');
    await index.update();
    assert.match(
      messages.join('\n'),
      // Found when the index opens (the shard's size and time are not what the manifest recorded), not later.
      damage === 'unreadable'
        ? /Index shard 0 is unreadable .*rewriting it from memory, losing nothing/
        : /Index shard 0 disagrees with the manifest; rewriting it from memory/,
    );
    // The rewritten shard holds every file of that shard, not just the edited one: reopen from shards alone.
    await fs.rm(path.join(indexDir, 'search-snapshot.bin'));
    const reopened = await openIndex({ ...options, log: () => {} });
    const loaded = await reopened.search('frobnicator reboot');
    assert.equal(loaded[0].path, 'guide/install.md');
    const installShard = 'shard-00.json.gz';
    const items = JSON.parse(gunzipSync(await fs.readFile(path.join(indexDir, installShard))).toString('utf8')).items as Array<{
      metadata: { path: string };
    }>;
    const manifest = JSON.parse(await fs.readFile(path.join(indexDir, 'manifest.json'), 'utf8'));
    const expected = Object.keys(manifest.files);
    assert.deepEqual([...new Set(items.map((i) => i.metadata.path))].sort(), expected.sort());
  });
}

test('a shard written by the last save is reused for the next, unless its file changed on disk in between', async () => {
  const { root, options: fourShards, indexDir, messages } = await setup();
  const options = { ...fourShards, shardCount: 1 };
  const index = await openIndex(options);
  await index.update();
  const save = async (line: string) => {
    await fs.appendFile(path.join(root, 'guide/install.md'), `\n${line}\n`);
    await index.update({ paths: ['guide/install.md'] });
  };
  await save('The frobnicator needs a reboot.');
  await save('The widget spinner needs oil.');
  assert.deepEqual(messages, []);
  // Damage done to the shard between two saves is found: the file is read again, not overwritten from memory's copy.
  await fs.writeFile(path.join(indexDir, 'shard-00.json.gz'), 'garbage');
  await save('The gadget lever needs a push.');
  assert.match(messages.join('\n'), /could not be updated .*rewriting it from memory/);
  await index.close();
  await fs.rm(path.join(indexDir, 'search-snapshot.bin'));
  const reopened = await openIndex({ ...options, log: () => {} });
  for (const question of ['frobnicator reboot', 'widget spinner oil', 'gadget lever push', 'how do I configure max_retries']) {
    const [top] = await reopened.search(question, { k: 1 });
    assert.equal(top.path, question.startsWith('how') ? 'guide/retries.rst' : 'guide/install.md', question);
  }
});

test('a snapshot older than the manifest serves the files it still matches; the others come from their shards', async () => {
  const { root, options, messages, embedder } = await setup();
  const built = await openIndex(options);
  await built.update();
  await built.close();
  // Changed after the snapshot was written, and the process ends before the next snapshot (no close).
  await fs.writeFile(path.join(root, 'guide/install.md'), '# Install\n\nUse the quokka installer.\n');
  await (await openIndex(options)).update();
  embedder.embedded = [];
  const index = await openIndex(options);
  assert.deepEqual(messages, []);
  assert.deepEqual(embedder.embedded, []);
  assert.equal((await index.search('quokka installer'))[0].path, 'guide/install.md');
  const all = await index.search('install', { k: 50 });
  assert.equal(all.filter((r) => r.path === 'guide/install.md').length, 1);
  assert.equal((await index.search('flux capacitor gigawatts'))[0].path, 'api/notes.txt');
});

test('a damaged snapshot is reported and ignored, and the next one written is good', async () => {
  const { options, indexDir, messages } = await setup();
  const built = await openIndex(options);
  await built.update();
  await built.close();
  const file = path.join(indexDir, 'search-snapshot.bin');
  const bytes = await fs.readFile(file);
  for (const damaged of [
    bytes.subarray(0, bytes.length - 9),
    Buffer.concat([bytes, Buffer.from('x')]),
    Buffer.from('GWSNAP\0\x01garbage'),
  ]) {
    await fs.writeFile(file, damaged);
    messages.length = 0;
    const index = await openIndex(options);
    assert.match(messages.join('\n'), /search snapshot could not be used .*loading the index from its shards/);
    assert.equal((await index.search('flux capacitor gigawatts'))[0].path, 'api/notes.txt');
    await index.close();
  }
  messages.length = 0;
  const healed = await openIndex(options);
  assert.deepEqual(messages, []);
  assert.equal(healed.fileCount, 4);
});

test('a snapshot in the previous format (vectors stored row by row) is passed over: the index opens from its shards and writes the new one', async () => {
  const { options, indexDir, messages } = await setup();
  const built = await openIndex(options);
  await built.update();
  await built.close();
  const file = path.join(indexDir, 'search-snapshot.bin');
  const formatOf = async () => {
    const bytes = await fs.readFile(file);
    return JSON.parse(bytes.toString('utf8', 12, 12 + bytes.readUInt32LE(8))).formatVersion;
  };
  assert.equal(await formatOf(), 4);
  // The header as format 3 wrote it (same length, so every section stays where it is).
  const bytes = await fs.readFile(file);
  await fs.writeFile(file, Buffer.from(bytes.toString('latin1').replace('"formatVersion":4', '"formatVersion":3'), 'latin1'));
  messages.length = 0;
  const index = await openIndex(options);
  assert.match(messages.join('\n'), /search snapshot could not be used \(format 3\); loading the index from its shards/);
  assert.equal((await index.search('flux capacitor gigawatts'))[0].path, 'api/notes.txt');
  await index.update();
  await index.close();
  assert.equal(await formatOf(), 4, 'the snapshot is written again in the new format');
});

for (const version of [1, 2]) {
  test(`an index written by schema ${version} (its chunks cannot prove which content they were cut from) is rebuilt, with a message`, async () => {
    const { options, indexDir, messages } = await setup();
    await (await openIndex(options)).update();
    const manifestFile = path.join(indexDir, 'manifest.json');
    const manifest = JSON.parse(await fs.readFile(manifestFile, 'utf8'));
    manifest.schemaVersion = version;
    await fs.writeFile(manifestFile, JSON.stringify(manifest));
    const index = await openIndex(options);
    assert.deepEqual(messages, [`Rebuilding the index: it was written by index schema ${version}, this version uses 3.`]);
    assert.equal((await index.update()).added, 4);
    assert.equal(JSON.parse(await fs.readFile(manifestFile, 'utf8')).schemaVersion, 3);
  });
}

test('snapshot writes asked for at once are one write at a time, and each caller returns once it is on disk', async () => {
  const { root, options, messages, indexDir } = await setup();
  const index = await openIndex(options);
  await index.update();
  const first = index.saveSnapshot();
  // A process about to exit closes the index while a timer's write is under way: close must wait for it.
  await index.close();
  assert.ok((await fs.stat(path.join(indexDir, 'search-snapshot.bin'))).size > 0);
  await Promise.all([first, index.saveSnapshot()]);
  await fs.appendFile(path.join(root, 'api/notes.txt'), '\nThe capacitor also hums in B flat.\n');
  await index.update();
  await Promise.all([index.close(), index.close()]);
  const reopened = await openIndex(options);
  assert.deepEqual(messages, []);
  assert.equal((await reopened.search('hums in B flat'))[0].path, 'api/notes.txt');
});

test('an index opened from its snapshot reads its passages from that snapshot even after a writer replaces it', async () => {
  const { root, options, indexDir } = await setup();
  const built = await openIndex(options);
  await built.update();
  await built.close();
  // A reader opens the index (passage text stays in the snapshot file until a query returns it).
  const reader = await openIndex({ ...options, readOnly: true });
  const before = await reader.search('how do I configure max_retries');
  // Another process edits the page and writes a new snapshot over the old one.
  const page = path.join(root, 'guide/retries.rst');
  await fs.writeFile(page, (await fs.readFile(page, 'utf8')).replace(/max_retries/g, 'retry_ceiling').replace(/^/, 'Preface line.\n\n'));
  const writer = await openIndex(options);
  await writer.update();
  await writer.close();
  assert.ok((await fs.stat(path.join(indexDir, 'search-snapshot.bin'))).size > 0);
  // The reader still holds the old rows, and each row's text is still its own, not bytes of the new file.
  const after = await reader.search('how do I configure max_retries');
  assert.deepEqual(
    after.map((r) => [r.path, r.startLine, r.text]),
    before.map((r) => [r.path, r.startLine, r.text]),
  );
  assert.match(after[0].text, /max_retries/);
  await reader.close();
});

test('a search waiting for its query vector when the index closes still gets its results', async () => {
  const { options } = await setup();
  const built = await openIndex(options);
  await built.update();
  await built.close();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const inner = new HashingEmbedder({ dimensions: 64 });
  const slow: Embedder = { id: inner.id, dimensions: 64, embed: async (texts) => (await held, inner.embed(texts)) };
  const index = await openIndex({ ...options, embedder: slow, readOnly: true });
  const searching = index.search('how do I configure max_retries');
  const closing = index.close();
  release();
  const [top] = await searching;
  assert.equal(top.path, 'guide/retries.rst');
  await closing;
});

test(
  'opening and closing an index many times leaves no file open',
  { skip: process.platform !== 'linux' && 'open files are counted in /proc/self/fd, which only Linux has' },
  async () => {
    const { options } = await setup();
    const built = await openIndex(options);
    await built.update();
    await built.close();
    const openFiles = async () => (await fs.readdir('/proc/self/fd')).length;
    const before = await openFiles();
    for (let i = 0; i < 20; i++) {
      const index = await openIndex({ ...options, readOnly: true });
      await index.search('max_retries');
      await index.close();
    }
    assert.equal(await openFiles(), before);
  },
);
