import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { WorkspaceIndex } from '../../src/core/worker/workspaceIndex';
import { closeAtEnd, tempDir, writeTree } from '../support/tempDir';

test("multi-root: a folder's own exclude holds for that folder's index, search and citations (a leak otherwise)", async () => {
  const base = await tempDir();
  await writeTree(base, {
    'cpp/concrt/scheduler.md': '# Scheduler\n\nThe concrt scheduler runs the quokka tasks.\n',
    'cpp/stl/vector.md': '# Vector\n\nA vector holds quokka values in a row.\n',
    'ray/tune.md': '# Tune\n\nTune schedules quokka trials.\n',
  });
  const workspace = new WorkspaceIndex(
    {
      folders: [
        { name: 'cpp', root: path.join(base, 'cpp'), indexDir: path.join(base, 'idx-cpp'), exclude: ['concrt/**'] },
        { name: 'ray', root: path.join(base, 'ray'), indexDir: path.join(base, 'idx-ray') },
      ],
      embedder: { kind: 'offline' },
      exclude: [],
    },
    () => {},
    () => {},
  );
  closeAtEnd(() => workspace.close());
  await workspace.update();
  const found = await workspace.search('quokka', { k: 10 });
  const paths = found.map((r) => `${r.folder}/${r.path}`).sort();
  assert.deepEqual(paths, ['cpp/stl/vector.md', 'ray/tune.md']);
});

test('a name documented in a notebook is looked up with the cell it is in', async () => {
  const base = await tempDir();
  const cell = (type: string, lines: string[]) => ({
    cell_type: type,
    metadata: {},
    source: lines.map((l, i) => (i < lines.length - 1 ? `${l}\n` : l)),
  });
  const notebook = {
    cells: [
      cell('markdown', ['# Tour', '', 'An introduction.']),
      { ...cell('code', ['print(1)']), execution_count: null, outputs: [] },
      cell('markdown', ['## Tuning', '', 'Call `SprocketTuner.tune()` to tune the sprocket.']),
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
  await writeTree(base, { 'docs/tour.ipynb': JSON.stringify(notebook, null, 1), 'docs/other.md': '# Other\n\nNothing here.\n' });
  const workspace = new WorkspaceIndex(
    { folders: [{ name: 'docs', root: path.join(base, 'docs'), indexDir: path.join(base, 'idx') }], embedder: { kind: 'offline' } },
    () => {},
    () => {},
  );
  closeAtEnd(() => workspace.close());
  await workspace.update();
  const [hit] = await workspace.lookup('SprocketTuner', 3);
  assert.equal(hit?.path, 'tour.ipynb');
  assert.equal(hit.cell, 3, 'the third cell holds it');
});

test('an index folder deleted while open is noticed on the next update, said in the log, and built again', async () => {
  const base = await tempDir();
  await writeTree(base, { 'docs/a.md': '# A\n\nThe quokka guide.\n', 'docs/b.md': '# B\n\nThe wombat guide.\n' });
  const logged: string[] = [];
  const indexDir = path.join(base, 'idx');
  const workspace = new WorkspaceIndex(
    { folders: [{ name: 'docs', root: path.join(base, 'docs'), indexDir }], embedder: { kind: 'offline' } },
    (message) => logged.push(message),
    () => {},
  );
  closeAtEnd(() => workspace.close());
  await workspace.update();
  await fs.rm(indexDir, { recursive: true, force: true });
  // A watcher event for one file: the deleted folder makes it a whole build, not an update of that file alone.
  await workspace.update(false, [path.join(base, 'docs', 'a.md')]);
  assert.ok(
    logged.some((m) => /the index folder .* was deleted; building the index again/.test(m)),
    logged.join(' | '),
  );
  assert.deepEqual(await workspace.counts().then((c) => c.files), 2);
  assert.equal((await workspace.search('wombat', { k: 3 }))[0]?.path, 'b.md');
});
