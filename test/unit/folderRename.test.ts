import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { DocsIndex } from '../../src/core/indexing/docsIndex';
import { closeAtEnd, tempDir, writeTree } from '../support/tempDir';

/** The offline embedder, counting the texts it is asked to embed. */
class CountingEmbedder extends HashingEmbedder {
  embedded = 0;
  override async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    this.embedded += texts.length;
    return super.embed(texts, signal);
  }
}

async function docsWorkspace() {
  const base = await tempDir();
  const files: Record<string, string> = { 'README.md': '# Workspace\n\nSee the docs folder.\n' };
  for (let i = 0; i < 12; i++)
    files[`docs/guide${i}.md`] = `# Guide ${i}\n\nThe zephyr option ${i} tunes the turbine.\n\n## More\n\nDetails ${i}.\n`;
  await writeTree(base, files);
  const embedder = new CountingEmbedder();
  const index = await DocsIndex.open({ root: base, indexDir: path.join(base, '.idx'), embedder });
  closeAtEnd(() => index.close());
  await index.update();
  return { base, index, embedder };
}

test('renaming the docs folder moves its files in the index (as the watcher reports it: the old and the new folder), embedding nothing again', async () => {
  const { base, index, embedder } = await docsWorkspace();
  assert.equal(index.fileCount, 13);
  await fs.rename(path.join(base, 'docs'), path.join(base, 'documentation'));
  embedder.embedded = 0;
  const summary = await index.update({ paths: ['docs', 'documentation'] });
  assert.equal(index.fileCount, 13, 'every file is still indexed');
  assert.equal(summary.removed, 12);
  assert.equal(summary.added, 12);
  assert.equal(embedder.embedded, 0, 'their content is unchanged: no chunk is embedded again');
  const [top] = await index.search('zephyr option 7 turbine');
  assert.equal(top.path, 'documentation/guide7.md');
  // Later edits inside the renamed folder are indexed.
  await fs.writeFile(path.join(base, 'documentation/guide7.md'), '# Guide 7\n\nThe quasar knob replaces the zephyr option.\n');
  await index.update({ paths: ['documentation/guide7.md'] });
  assert.equal((await index.search('quasar knob'))[0].path, 'documentation/guide7.md');
});

test('a folder reported gone (the watcher saw only the delete) is walked for: files renamed elsewhere are kept', async () => {
  const { base, index, embedder } = await docsWorkspace();
  await fs.rename(path.join(base, 'docs'), path.join(base, 'documentation'));
  embedder.embedded = 0;
  await index.update({ paths: ['docs'] });
  assert.equal(index.fileCount, 13);
  assert.equal(embedder.embedded, 0);
  assert.equal((await index.search('zephyr option 3 turbine'))[0].path, 'documentation/guide3.md');
});
