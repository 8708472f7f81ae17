import assert from 'node:assert/strict';
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
