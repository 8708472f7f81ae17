import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { IndexClient } from '../../src/core/worker/indexClient';
import { IndexConnection } from '../../src/core/worker/indexConnection';
import { mergeInOrder } from '../../src/core/worker/workspaceIndex';
import { LoopbackOpenAI } from '../support/loopbackOpenAI';
import { tempDir, writeTree } from '../support/tempDir';

// The worker process runs the TypeScript here (the extension forks its bundle).
const worker = { script: path.join(__dirname, '../support/indexWorkerEntry.cjs') };
const crashableWorker = { script: path.join(__dirname, '../support/crashableIndexWorkerEntry.cjs') };

test('the worker indexes every folder of a multi-root workspace and merges search results', async () => {
  const a = await tempDir();
  const b = await tempDir();
  await writeTree(a, { 'alpha.md': '# Alpha\n\nThe alpha service stores invoices.\n' });
  await writeTree(b, { 'beta.md': '# Beta\n\nThe beta service sends invoices by email.\n' });
  const cache = await tempDir();
  const events: string[] = [];
  const client = new IndexClient(worker, (event) => events.push(event.type));
  try {
    await client.request('configure', {
      settings: {
        folders: [
          { name: 'a', root: a, indexDir: path.join(cache, 'a') },
          { name: 'b', root: b, indexDir: path.join(cache, 'b') },
        ],
        embedder: { kind: 'offline' },
      },
    });
    const summaries = await client.request('update', {});
    assert.deepEqual(
      summaries.map((s) => [s.folder, s.added]),
      [
        ['a', 1],
        ['b', 1],
      ],
    );
    const results = await client.request('search', { query: 'invoices service', options: { k: 5 } });
    assert.deepEqual(results.map((r) => r.folder).sort(), ['a', 'b']);
    assert.equal(results.find((r) => r.folder === 'b')!.root, b);
    const statuses = await client.request('status', {});
    assert.deepEqual(
      statuses.map((s) => [s.folder, s.files]),
      [
        ['a', 1],
        ['b', 1],
      ],
    );
    assert.ok(events.includes('progress') && events.includes('updated'));
    assert.deepEqual(await client.request('counts', {}), { files: 2, chunks: statuses.reduce((n, st) => n + st.chunks, 0) });

    await fs.writeFile(path.join(b, 'gamma.md'), '# Gamma\n\nGamma reconciles payments.\n');
    const targeted = await client.request('update', { changedFiles: [path.join(b, 'gamma.md')] });
    assert.deepEqual(
      targeted.map((s) => [s.folder, s.added, s.unchanged]),
      [['b', 1, 0]],
    );
    const [top] = await client.request('search', { query: 'reconciles payments', options: { k: 1 }, lexicalOnly: true });
    assert.equal(top.path, 'gamma.md');
  } finally {
    await client.dispose();
  }
  // Stopping the worker (as VS Code's deactivate does) first writes each folder's search snapshot.
  for (const folder of ['a', 'b']) assert.ok((await fs.stat(path.join(cache, folder, 'search-snapshot.bin'))).size > 0, folder);
});

test("results of several folders keep each folder's ranked order, interleaved by their next fused score", () => {
  // A folder ranks by file, so its list is not in fused-score order; merging must not undo that.
  const docs = [
    { id: 'docs-best-page', score: 0.5 },
    { id: 'docs-second-page', score: 0.9 },
  ];
  const wiki = [{ id: 'wiki-page', score: 0.7 }];
  assert.deepEqual(
    mergeInOrder([docs, wiki], 10).map((r) => r.id),
    ['wiki-page', 'docs-best-page', 'docs-second-page'],
  );
  assert.deepEqual(
    mergeInOrder([docs], 10).map((r) => r.id),
    ['docs-best-page', 'docs-second-page'],
  );
  assert.deepEqual(
    mergeInOrder([docs, wiki], 2).map((r) => r.id),
    ['wiki-page', 'docs-best-page'],
  );
});

test('a request the worker cannot serve is rejected with its reason', async () => {
  const client = new IndexClient(worker, () => {});
  try {
    await assert.rejects(client.request('search', { query: 'x' }), /not configured/);
  } finally {
    await client.dispose();
  }
});

test('chunking workers give the same index as chunking inline', async () => {
  const root = await tempDir();
  const files: Record<string, string> = {};
  for (let i = 0; i < 150; i++)
    files[`docs/page-${i}.md`] = `# Page ${i}\n\nTopic ${i} explains widget number ${i}.\n\n## Details\n\nMore about ${i}.\n`;
  await writeTree(root, files);
  const cache = await tempDir();
  const { DocsIndex } = await import('../../src/core/indexing/docsIndex');
  const { HashingEmbedder } = await import('../../src/core/embedding/hashingEmbedder');
  const chunker = {
    script: `require('tsx/cjs'); require(${JSON.stringify(path.join(__dirname, '../../src/core/worker/workerMain.ts'))});`,
    options: { eval: true, workerData: { role: 'chunker' } },
  };
  const inline = await DocsIndex.open({ root, indexDir: path.join(cache, 'inline'), embedder: new HashingEmbedder() });
  const pooled = await DocsIndex.open({
    root,
    indexDir: path.join(cache, 'pooled'),
    embedder: new HashingEmbedder(),
    chunkWorker: chunker,
  });
  await inline.update();
  const summary = await pooled.update();
  assert.equal(summary.added, 150);
  assert.equal(pooled.chunkCount, inline.chunkCount);
  const strip = (r: { path: string; startLine: number; endLine: number; score: number }) => [
    r.path,
    r.startLine,
    r.endLine,
    r.score.toFixed(6),
  ];
  // Both frozen, as the search snapshot leaves them (a frozen row's vector is kept in bytes, which moves scores in
  // the fourth decimal): otherwise the comparison would depend on which snapshot timer fired first.
  await inline.saveSnapshot();
  await pooled.saveSnapshot();
  assert.deepEqual((await pooled.search('widget number 42')).map(strip), (await inline.search('widget number 42')).map(strip));
});

/** Rejects instead of waiting forever, so a hang fails the test rather than stalling the suite. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms)),
  ]);
}

test('a worker that dies fails its pending and later requests at once, tells the host once, and the next request starts a new one', async () => {
  const root = await tempDir();
  await writeTree(root, { 'guide.md': '# Guide\n\nThe deploy command ships the site.\n' });
  const settings = {
    folders: [{ name: 'docs', root, indexDir: path.join(await tempDir(), 'idx') }],
    embedder: { kind: 'offline' as const },
  };
  const stops: string[] = [];
  let started = 0;
  const connection = new IndexConnection(
    () => {
      started++;
      return new IndexClient(
        crashableWorker,
        () => {},
        (error) => stops.push(error.message),
      );
    },
    async () => settings,
  );
  try {
    const first = await connection.ready();
    await first.request('update', {});
    await within(
      assert.rejects(first.request('search', { query: 'crash now' }), /the index worker stopped \(exit code 7\): simulated crash/),
      10_000,
      'the request the worker died on',
    );
    await within(assert.rejects(first.request('counts', {}), /stopped/), 1000, 'a request after the death');
    assert.deepEqual(stops, ['the index worker stopped (exit code 7): simulated crash'], 'the host is told once, with what it said');

    const second = await within(connection.ready(), 20_000, 'a new worker');
    assert.notEqual(second, first);
    assert.equal(started, 2);
    const [top] = await second.request('search', { query: 'deploy command', options: { k: 1 } });
    assert.equal(top.path, 'guide.md', 'the new worker is configured and serves the index');
  } finally {
    await connection.close();
  }
});

test('a new key or endpoint reaches the index worker: the next search embeds with it, without a restart', async () => {
  const oldServer = await new LoopbackOpenAI().start();
  const newServer = await new LoopbackOpenAI().start();
  const root = await tempDir();
  await writeTree(root, { 'guide.md': '# Guide\n\nThe deploy command ships the site.\n' });
  const folders = [{ name: 'docs', root, indexDir: path.join(await tempDir(), 'idx') }];
  let settings = {
    folders,
    embedder: { kind: 'openai' as const, baseURL: oldServer.baseURL, apiKey: 'old-key', model: 'text-embedding-3-small', dimensions: 64 },
  };
  const connection = new IndexConnection(
    () => new IndexClient(worker, () => {}),
    async () => settings,
  );
  try {
    const client = await connection.ready();
    await client.request('update', {});
    assert.ok(oldServer.requests.some((r) => r.headers.authorization === 'Bearer old-key'));

    settings = { ...settings, embedder: { ...settings.embedder, baseURL: newServer.baseURL, apiKey: 'new-key' } };
    await connection.reconfigure();
    const before = oldServer.requests.length;
    // Another endpoint may be another model: the index is rebuilt with it (as the extension's update after a
    // settings change does), then searched.
    const worker = await connection.ready();
    await worker.request('update', {});
    const results = await worker.request('search', { query: 'deploy command', options: { k: 1 } });
    assert.equal(results[0]?.path, 'guide.md');
    const embedded = newServer.requests.filter((r) => r.path.endsWith('/embeddings'));
    assert.ok(embedded.length >= 2, 'the new endpoint embedded the docs and the query');
    assert.ok(embedded.every((r) => r.headers.authorization === 'Bearer new-key'));
    assert.equal(oldServer.requests.length, before, 'the old endpoint is not called again');
  } finally {
    await connection.close();
    await oldServer.stop();
    await newServer.stop();
  }
});

test('after a large update the worker is replaced by one that opens the index from the snapshot the first wrote', async () => {
  const root = await tempDir();
  await writeTree(root, {
    'a.md': '# Deploy\n\nThe deploy command ships the site.\n',
    'b.md': '# Build\n\nThe build command renders the pages.\n',
    'c.md': '# Serve\n\nThe serve command previews the site.\n',
  });
  const indexDir = path.join(await tempDir(), 'idx');
  const settings = { folders: [{ name: 'docs', root, indexDir }], embedder: { kind: 'offline' as const } };
  const clients: IndexClient[] = [];
  const connection = new IndexConnection(
    () => {
      const client = new IndexClient(worker, () => {});
      clients.push(client);
      return client;
    },
    async () => settings,
    3,
  );
  try {
    const [summary] = await connection.update({});
    assert.equal(summary.added, 3);
    assert.equal(clients.length, 1);
    assert.ok(clients[0].isStopped, 'the worker that built the index is gone');
    assert.ok(existsSync(path.join(indexDir, 'search-snapshot.bin')), 'it wrote the search snapshot before it went');
    const next = await connection.ready();
    assert.equal(clients.length, 2);
    const [top] = await next.request('search', { query: 'serve command preview', options: { k: 1 } });
    assert.equal(top.path, 'c.md');
    // A small update keeps the worker.
    await writeTree(root, { 'a.md': '# Deploy\n\nThe deploy command ships the site to production.\n' });
    await connection.update({ changedFiles: [path.join(root, 'a.md')] });
    assert.equal(await connection.ready(), next);
  } finally {
    await connection.close();
  }
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: still not so after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('the worker is a process of its own, and it ends when it is closed', async () => {
  const client = new IndexClient(worker, () => {});
  const pid = client.pid!;
  assert.ok(pid > 0 && pid !== process.pid);
  await assert.rejects(client.request('counts', {}), /not configured/, 'it answers');
  await client.dispose();
  assert.equal(isRunning(pid), false);
  assert.ok(client.isStopped);
});

test('a worker whose host is killed ends too: no index process outlives the editor', async () => {
  // A worker with work still to do (a timer stands in for a long update), so only its host's death can end it.
  const busyWorker = path.join(await tempDir(), 'busyWorker.cjs');
  await fs.writeFile(busyWorker, `setInterval(() => {}, 1000); require(${JSON.stringify(worker.script)});`);
  // A host process that starts the worker, says its pid, and waits to be killed (as an extension host that crashed).
  const hostScript = `
    const { IndexClient } = require(${JSON.stringify(path.join(__dirname, '../../src/core/worker/indexClient.ts'))});
    const client = new IndexClient({ script: ${JSON.stringify(busyWorker)} }, () => {});
    client.request('counts', {}).catch(() => process.stdout.write(client.pid + '\\n'));
    setInterval(() => {}, 1000);`;
  const { spawn } = await import('node:child_process');
  const host = spawn(process.execPath, ['--import', 'tsx', '-e', hostScript], { stdio: ['ignore', 'pipe', 'inherit'] });
  const workerPid = await within(
    new Promise<number>((resolve) => host.stdout.once('data', (data: Buffer) => resolve(Number(String(data).trim())))),
    20_000,
    'the host starting its worker',
  );
  assert.ok(isRunning(workerPid));
  host.kill('SIGKILL');
  await waitUntil(() => !isRunning(workerPid), 10_000, 'the orphaned worker ending');
});
