import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DocsIndex } from '../../src/core/indexing/docsIndex';
import { discoverDocuments } from '../../src/core/discovery/discover';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { chunkNotAtLines } from '../support/chunkAtLines';
import { tempDir } from '../support/tempDir';

const repo = path.join(__dirname, '../..');
/** The loop stops starting rounds after this long, so the test stays well under a minute on a slow machine. */
const BUDGET_MS = 30_000;
const ROUNDS = 8;
const FILES = 160;

/** Seeded, so a failure can be replayed: the seed is in the assertion message. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function page(i: number): string {
  const sections = Array.from(
    { length: 4 },
    (_, s) =>
      `## Topic ${i}.${s}\n\n${Array.from({ length: 14 }, (_, l) => `Line ${l} of section ${s} in page ${i} explains option_${i}_${s}_${l} in detail.`).join('\n')}\n`,
  );
  return `# Page ${i}\n\n${sections.join('\n')}`;
}

/**
 * `groundwork index` in a child process, killed with SIGKILL `killAfterMs` after it reports its first progress
 * (start-up takes longer than the work itself here, so the clock starts once it is indexing), or left to finish.
 */
function runIndexer(root: string, indexDir: string, killAfterMs?: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'src/cli/index.ts'), 'index', root, '--index', indexDir], {
      cwd: repo,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let timer: ReturnType<typeof setTimeout> | undefined;
    let indexingSince = 0;
    child.stderr.on('data', (data) => {
      stderr += data;
      if (indexingSince || !stderr.includes('indexing')) return;
      indexingSince = Date.now();
      if (killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 || signal === 'SIGKILL') resolve(Date.now() - (indexingSince || Date.now()));
      else reject(new Error(`indexer exited with ${code}: ${stderr}`));
    });
  });
}

/** Opens and updates the index as the next run would, then checks every chunk against the files as they are now. */
async function check(root: string, indexDir: string, context: string): Promise<void> {
  const index = await DocsIndex.open({ root, indexDir, embedder: new HashingEmbedder(), log: () => {} });
  try {
    await index.update();
    const { files } = await discoverDocuments(root);
    assert.deepEqual(index.indexedFiles().sort(), files.map((f) => f.path).sort(), `${context}: every file is indexed, and only those`);
    for (const file of files) {
      const text = await fs.readFile(file.absolutePath, 'utf8');
      const chunks = index.chunksOf(file.path);
      assert.ok(chunks.length > 0, `${context}: ${file.path} has chunks`);
      for (const chunk of chunks) {
        const problem = chunkNotAtLines(chunk, text);
        assert.equal(problem, undefined, `${context}: ${file.path}: ${problem}`);
      }
    }
  } finally {
    await index.close();
  }
}

test('killed at random moments while indexing edits, reverts, renames and deletes, the index never cites lines that do not say it', async () => {
  const seed = Number(process.env.GROUNDWORK_CRASH_SEED ?? 20261201);
  const rand = random(seed);
  const root = path.join(await tempDir(), 'docs');
  const indexDir = path.join(await tempDir(), 'index');
  const originals = new Map<string, string>();
  for (let i = 0; i < FILES; i++) {
    const name = `pages/page-${String(i).padStart(3, '0')}.md`;
    originals.set(name, page(i));
    await fs.mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await fs.writeFile(path.join(root, name), page(i));
  }
  // How long a whole run takes here, so the kills land across a run on a fast machine as on a slow one.
  const runMs = Math.max(500, await runIndexer(root, indexDir));
  await check(root, indexDir, `seed ${seed}, initial build`);

  const started = Date.now();
  for (let round = 0; round < ROUNDS && Date.now() - started < BUDGET_MS; round++) {
    const context = `seed ${seed}, round ${round}`;
    // Edits that move every chunk of a file (lines prepended), deletes and renames, as a branch switch would.
    const names = [...originals.keys()];
    const edited = names.filter(() => rand() < 0.45);
    for (const name of edited) {
      await fs.writeFile(
        path.join(root, name),
        `Prepended in round ${round}.\n\n${'Another line.\n'.repeat(1 + Math.floor(rand() * 5))}${originals.get(name)}`,
      );
    }
    const deleted = names.filter((name) => !edited.includes(name) && rand() < 0.05);
    for (const name of deleted) await fs.rm(path.join(root, name));
    const renamed = names.filter((name) => !edited.includes(name) && !deleted.includes(name) && rand() < 0.05);
    for (const name of renamed) await fs.rename(path.join(root, name), path.join(root, name.replace('.md', `-r${round}.md`)));

    // Killed at a random moment of the run, mostly in its second half, where the shards are written.
    await runIndexer(root, indexDir, Math.floor(runMs * (rand() < 0.2 ? rand() : 0.5 + 0.6 * rand())));

    // Most changes are put back as they were (the content the manifest may still record), the rest kept.
    for (const name of edited) if (rand() < 0.7) await fs.writeFile(path.join(root, name), originals.get(name)!);
    for (const name of deleted) if (rand() < 0.7) await fs.writeFile(path.join(root, name), originals.get(name)!);
    for (const name of renamed) {
      const moved = path.join(root, name.replace('.md', `-r${round}.md`));
      if (rand() < 0.7) await fs.rename(moved, path.join(root, name));
      else {
        originals.set(name.replace('.md', `-r${round}.md`), originals.get(name)!);
        originals.delete(name);
      }
    }
    for (const name of deleted) if (!(await exists(path.join(root, name)))) originals.delete(name);
    for (const name of edited) originals.set(name, await fs.readFile(path.join(root, name), 'utf8'));
    // The snapshot hides what the shards hold; without it, the shards are all there is.
    if (rand() < 0.75) await fs.rm(path.join(indexDir, 'search-snapshot.bin'), { force: true });
    await check(root, indexDir, context);
  }
});

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
