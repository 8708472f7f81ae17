import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readDocLines } from '../../src/core/docsTools/readDocLines';
import { realFolder } from '../../src/core/discovery/discover';
import { readSourceLines } from '../../src/core/discovery/sourceLines';
import { prepareFile } from '../../src/core/indexing/prepareFile';
import { tempDir, writeTree } from '../support/tempDir';

const INSIDE = '# Swap\n\nAn ordinary page inside the folder.\n';
const SECRET = 'OUTSIDE-SECRET-TEXT';

/**
 * A second process swaps `docs/swap.md` between a real file and a link to `../outside/secret.md` as fast as it can
 * (each swap a rename, so the name always exists), until it is killed.
 */
async function swappingTree() {
  const base = await tempDir();
  await writeTree(base, { 'outside/secret.md': `# Secret\n\n${SECRET}\n`, 'docs/swap.md': INSIDE, 'docs/other.md': '# Other\n' });
  const docs = path.join(base, 'docs');
  const script = `
    const fs = require('node:fs'); const path = require('node:path');
    const docs = ${JSON.stringify(docs)};
    const target = path.join(docs, 'swap.md');
    for (let i = 0; ; i++) {
      const link = path.join(docs, '.link' + i); fs.symlinkSync('../outside/secret.md', link); fs.renameSync(link, target);
      const file = path.join(docs, '.file' + i); fs.writeFileSync(file, ${JSON.stringify(INSIDE)}); fs.renameSync(file, target);
    }`;
  const swapper = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  return { docs, stop: () => swapper.kill('SIGKILL') };
}

/** Runs `read` over and over for a bounded time while the swapper runs; returns how many reads saw the secret. */
async function leaksDuringSwaps(
  read: (docs: string) => Promise<string | undefined>,
): Promise<{ leaks: number; reads: number; inside: number }> {
  const { docs, stop } = await swappingTree();
  let leaks = 0;
  let reads = 0;
  let inside = 0;
  try {
    const deadline = Date.now() + 2500;
    while (Date.now() < deadline) {
      const text = await read(docs).catch(() => undefined);
      reads++;
      if (text?.includes(SECRET)) leaks++;
      else if (text?.includes('ordinary page')) inside++;
    }
  } finally {
    stop();
  }
  return { leaks, reads, inside };
}

test('indexing never reads a file swapped for a link to outside between its check and its read (secret leak)', async () => {
  const result = await leaksDuringSwaps(async (docs) => {
    const prepared = await prepareFile({
      path: 'swap.md',
      absolutePath: path.join(docs, 'swap.md'),
      containedIn: await realFolder(docs),
      maxBytes: 1 << 20,
    });
    return prepared.state === 'changed' ? prepared.chunks.map((c) => c.text).join('\n') : undefined;
  });
  assert.equal(result.leaks, 0, `${result.leaks} of ${result.reads} reads returned the outside file`);
  assert.ok(result.inside > 0, 'the real file is still read between swaps');
});

test('read_doc and #docLines never return a file swapped for a link to outside (secret leak)', async () => {
  const result = await leaksDuringSwaps(async (docs) => (await readDocLines([{ root: docs }], { path: 'swap.md' })).text);
  assert.equal(result.leaks, 0, `${result.leaks} of ${result.reads} reads returned the outside file`);
  assert.ok(result.inside > 0, 'the real file is still read between swaps');
});

test("ask's evidence step (readSourceLines) does not read a cited file that became a link to outside", async () => {
  const base = await tempDir();
  await writeTree(base, {
    'docs/retries.md': '# Retries\n\nConfigure retries with max_retries.\n',
    'outside/retries.md': `${SECRET}\n\n# Retries\n\nConfigure retries with max_retries.\n`,
  });
  const docs = path.join(base, 'docs');
  assert.equal((await readSourceLines(docs, 'retries.md'))?.[0], '# Retries');
  // The index still lists the file (stale), but it is now a link to outside: evidence must not read through it.
  await fs.rm(path.join(docs, 'retries.md'));
  await fs.symlink('../outside/retries.md', path.join(docs, 'retries.md'));
  assert.equal(await readSourceLines(docs, 'retries.md'), undefined);
  assert.equal((await readSourceLines(docs, 'retries.md', { followExternalSymlinks: true }))?.[0], SECRET, 'an opted-in link is read');
});

test('the docs tools refuse a file the index skips as too large', async () => {
  const base = await tempDir();
  await writeTree(base, { 'docs/big.md': `# Big\n\n${'x'.repeat(4096)}\n`, 'docs/small.md': '# Small\n' });
  const folder = { root: path.join(base, 'docs'), maxFileBytes: 1024 };
  await assert.rejects(readDocLines([folder], { path: 'big.md' }), /over the size limit/);
  assert.equal((await readDocLines([folder], { path: 'small.md' })).text, '# Small');
});
