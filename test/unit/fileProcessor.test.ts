import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { WorkerFileProcessor } from '../../src/core/indexing/fileProcessor';
import type { PrepareRequest } from '../../src/core/indexing/prepareFile';
import { tempDir } from '../support/tempDir';

/**
 * A stand-in chunking worker: it answers each request with the name of the thread that prepared it, and dies on a
 * file named `huge.md`, as a real worker does when a file is too large for its heap.
 */
const WORKER = `
const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', ({ id, request }) => {
  if (request.path === 'huge.md') process.exit(1);
  parentPort.postMessage({ id, result: { state: 'failed', reason: 'prepared by worker ' + threadId } });
});
`;

test('a chunking worker that dies leaves its file to this thread and is replaced for the files after it', async () => {
  const dir = await tempDir();
  const script = path.join(dir, 'worker.cjs');
  await fs.writeFile(script, WORKER);
  await fs.writeFile(path.join(dir, 'huge.md'), '# Huge\n\nA file this worker cannot hold.\n');
  const request = (name: string): PrepareRequest => ({
    path: name,
    absolutePath: path.join(dir, name),
    maxBytes: 1 << 20,
  });
  const processor = new WorkerFileProcessor({ script });
  // The pool's workers do not keep a process alive (the indexer's own work does): this test holds it open.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const before = await processor.prepare(request('a.md'));
    assert.match(JSON.stringify(before), /prepared by worker \d+/);
    const huge = await processor.prepare(request('huge.md'));
    assert.equal(huge.state, 'changed', 'prepared here, in full, after its worker died');
    assert.match(JSON.stringify(huge), /A file this worker cannot hold/);
    const after = await processor.prepare(request('b.md'));
    const [, first] = /worker (\d+)/.exec(JSON.stringify(before))!;
    const [, second] = /worker (\d+)/.exec(JSON.stringify(after)) ?? [];
    assert.ok(second && second !== first, `a new worker prepares the next file (${first} then ${second})`);
  } finally {
    clearInterval(keepAlive);
    await processor.dispose();
  }
});
