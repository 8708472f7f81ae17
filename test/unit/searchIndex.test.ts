import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { type IndexedChunk, SearchIndex } from '../../src/core/retrieval/searchIndex';

const embedder = new HashingEmbedder({ dimensions: 64 });

function chunk(id: string, text: string, headingPath: string[] = []): IndexedChunk {
  return { id, path: `${id}.md`, startLine: 1, endLine: 3, headingPath, anchor: '', text, tokens: 10, vector: embedder.embedOne(text) };
}

test('lexical search ranks by BM25 and the heading path counts as text', () => {
  const index = new SearchIndex(64);
  index.add(chunk('a', 'Set the timeout in seconds.', ['Networking', 'Timeouts']));
  index.add(chunk('b', 'Colours of the user interface.'));
  const results = index.search('networking timeouts', undefined);
  assert.equal(results[0].path, 'a.md');
  assert.equal(results[0].lexicalScore, 1);
  assert.equal(results.length, 1);
});

test('the vector part finds inflections and split identifiers that exact terms miss', () => {
  const index = new SearchIndex(64);
  index.add(chunk('scaler', 'The autoscaler adds nodes when demand grows.'));
  index.add(chunk('other', 'Logs are written to the console.'));
  const query = 'autoscaling';
  const results = index.search(query, embedder.embedOne(query));
  assert.equal(results[0].path, 'scaler.md');
  assert.equal(results[0].lexicalScore, 0);
  assert.ok(results[0].vectorScore > results[1].vectorScore);
});

test('removed chunks are gone from both parts, also after compaction', () => {
  const index = new SearchIndex(64);
  for (let i = 0; i < 3000; i++) index.add(chunk(`c${i}`, `document number ${i} about topic${i % 7}`));
  for (let i = 0; i < 2500; i++) index.remove(`c${i}`);
  assert.equal(index.size, 500);
  const results = index.search('topic3 document', embedder.embedOne('topic3 document'), { k: 1000 });
  assert.ok(results.length > 0);
  assert.ok(results.every((r) => Number(r.path.slice(1, -3)) >= 2500));
  index.add(chunk('c2999', 'replaced text about zebras'));
  assert.equal(index.search('zebras', undefined)[0].path, 'c2999.md');
  assert.equal(index.size, 500);
});

test('ties are broken by path and line so results are stable', () => {
  const index = new SearchIndex(64);
  index.add(chunk('z', 'same words'));
  index.add(chunk('a', 'same words'));
  assert.deepEqual(
    index.search('same words', undefined).map((r) => r.path),
    ['a.md', 'z.md'],
  );
});
