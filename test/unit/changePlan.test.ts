import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkDocument as chunkWithDefaults } from '../../src/core/chunking/chunkDocument';
import { planFileChunks } from '../../src/core/indexing/changePlan';
import { chunkId } from '../../src/core/store/storedChunk';

const page = [
  '# Install',
  '',
  'Run the installer.',
  '',
  '# Configure',
  '',
  'Set the port.',
  '',
  '# Upgrade',
  '',
  'Read the notes.',
  '',
].join('\n');
// One chunk per section (small sections are not merged), so each section's fate can be told apart.
const chunkDocument = (path: string, text: string) =>
  chunkWithDefaults(path, text, { maxTokens: 400, overlapLines: 0, mergeSectionsUpTo: 0 });
const indexedOf = (text: string) =>
  chunkDocument('guide.md', text).map((chunk, i) => ({ id: chunkId('guide.md', i), chunk: { ...chunk, id: chunkId('guide.md', i) } }));

test('planning an update: unchanged chunks are kept, moved ones only move, edited ones are embedded again', () => {
  const before = indexedOf(page);
  assert.ok(before.length >= 3, 'the page has one chunk per section');

  const same = planFileChunks('guide.md', chunkDocument('guide.md', page), before);
  assert.deepEqual(
    same.map((p) => p.placement),
    before.map(() => 'same'),
  );

  // Blank lines added above everything: every chunk keeps its text and id, and only its lines move.
  const shifted = planFileChunks('guide.md', chunkDocument('guide.md', `\n\n${page}`), before);
  assert.deepEqual(
    shifted.map((p) => p.placement),
    before.map(() => 'moved'),
  );
  for (const p of shifted) assert.equal(p.reuseVectorOf, p.id, 'a moved chunk keeps its own vector');

  // A new first section shifts every id: the chunks are new under their ids, but none is embedded again.
  const prefixed = planFileChunks('guide.md', chunkDocument('guide.md', `# Overview\n\nWhat this is.\n\n${page}`), before);
  assert.equal(prefixed.filter((p) => p.reuseVectorOf === undefined).length, 1, 'only the added section needs a vector');

  // One section edited: only that chunk is new and has no vector to reuse.
  const edited = planFileChunks('guide.md', chunkDocument('guide.md', page.replace('Set the port.', 'Set the port to 8080.')), before);
  const fresh = edited.filter((p) => p.placement === 'new');
  assert.equal(fresh.length, 1);
  assert.match(fresh[0].text, /8080/);
  assert.equal(fresh[0].reuseVectorOf, undefined);

  // Sections swapped: the chunk now under another id reuses the vector of the chunk that had its text.
  const swapped = page.replace(
    '# Install\n\nRun the installer.\n\n# Configure\n\nSet the port.',
    '# Configure\n\nSet the port.\n\n# Install\n\nRun the installer.',
  );
  const plan = planFileChunks('guide.md', chunkDocument('guide.md', swapped), before);
  const configure = plan.find((p) => p.text.includes('Set the port.'))!;
  assert.equal(configure.placement, 'new');
  assert.equal(configure.reuseVectorOf, before.find(({ chunk }) => chunk.text.includes('Set the port.'))!.id);

  // A file not indexed before: everything is new.
  assert.ok(planFileChunks('guide.md', chunkDocument('guide.md', page), undefined).every((p) => p.placement === 'new' && !p.reuseVectorOf));
});
