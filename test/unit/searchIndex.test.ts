import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { type FrozenIndex, frozenIndexProblem } from '../../src/core/retrieval/frozenIndex';
import { ANALYZER_VERSION } from '../../src/core/retrieval/analyzer';
import { readSnapshot, writeSnapshot } from '../../src/core/store/searchSnapshot';
import { spillStringsTo } from '../../src/core/store/spilledStrings';
import { tempDir } from '../support/tempDir';
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

test('a moved chunk reports its new lines, before and after freezing and compaction, and keeps its score', () => {
  const index = new SearchIndex(64);
  for (let i = 0; i < 3000; i++) index.add(chunk(`c${i}`, `document number ${i} about topic${i % 7}`));
  const query = 'document number 2999';
  const lines = () => index.search(query, embedder.embedOne(query), { k: 1 }).map((r) => [r.path, r.startLine, r.endLine, r.score]);
  const score = lines()[0][3];
  index.moveLines('c2999', 41, 43);
  assert.deepEqual(lines(), [['c2999.md', 41, 43, score]]);
  index.freeze();
  // Frozen, its vector is kept in bytes: the score moves in the fourth decimal at most, and then stays.
  const [frozenResult] = lines();
  assert.deepEqual(frozenResult.slice(0, 3), ['c2999.md', 41, 43]);
  const frozenScore = frozenResult[3] as number;
  assert.ok(Math.abs(frozenScore - (score as number)) < 1e-3, `${frozenScore} against ${score}`);
  // Moved again as a row of the frozen base, then the removals around it compact the index.
  index.moveLines('c2999', 51, 53);
  assert.deepEqual(lines(), [['c2999.md', 51, 53, frozenScore]]);
  for (let i = 0; i < 2500; i++) index.remove(`c${i}`);
  assert.deepEqual(
    lines().map((r) => r.slice(0, 3)),
    [['c2999.md', 51, 53]],
  );
  assert.equal(frozenIndexProblem(index.freeze()), undefined);
  assert.deepEqual(
    lines().map((r) => r.slice(0, 3)),
    [['c2999.md', 51, 53]],
  );
  assert.throws(() => index.moveLines('c0', 1, 2), /no chunk c0/);
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

test('ranked by passages, the first five results hold at most two passages of one file; its others follow right after', () => {
  const index = new SearchIndex(64);
  // Four passages of one page match best, then two other pages: without spreading, the page fills the first four.
  const page = (ordinal: number, text: string): IndexedChunk => ({
    ...chunk(`guide#${ordinal}`, text),
    path: 'guide.md',
    startLine: ordinal * 10 + 1,
    endLine: ordinal * 10 + 5,
  });
  for (let ordinal = 0; ordinal < 4; ordinal++) index.add(page(ordinal, `retry timeout ${'retry timeout '.repeat(4 - ordinal)}`));
  index.add(chunk('other', 'retry timeout and a longer explanation of something else entirely'));
  index.add(chunk('third', 'the timeout alone, with many more words around it than the others have here'));
  const order = (k: number, ranking: 'files' | 'passages') =>
    index.search('retry timeout', undefined, { k, ranking }).map((r) => `${r.path}:${r.startLine}`);
  assert.deepEqual(order(6, 'passages'), ['guide.md:1', 'guide.md:11', 'other.md:1', 'third.md:1', 'guide.md:21', 'guide.md:31']);
  // With fewer results asked for, the other pages are still pulled up from below the cut.
  assert.deepEqual(order(3, 'passages'), ['guide.md:1', 'guide.md:11', 'other.md:1']);
  // Ranked by files (the default): each page's best passage first, then the page's others.
  assert.deepEqual(order(6, 'files'), ['guide.md:1', 'other.md:1', 'third.md:1', 'guide.md:11', 'guide.md:21', 'guide.md:31']);
  assert.deepEqual(order(3, 'files'), ['guide.md:1', 'other.md:1', 'third.md:1']);
});

test('the page about a subject comes before a passage elsewhere that only repeats its words', () => {
  const index = new SearchIndex(64);
  const page = (path: string, title: string, texts: string[]) =>
    texts.forEach((text, i) => index.add({ ...chunk(`${path}#${i}`, text, [title]), path, startLine: i * 10 + 1, endLine: i * 10 + 8 }));
  // A changelog passage says "placement group" most often; the page titled for it explains placement groups.
  page('placement-groups.md', 'Placement Groups', [
    'A placement group reserves resources across nodes.',
    'Create a placement group with a strategy such as PACK or SPREAD.',
    'Remove a placement group to release its bundles.',
  ]);
  page('changelog.md', 'Changelog', [
    'Create a placement group: fixed how to create a placement group, create placement group retries, create placement group names.',
    'Faster startup.',
    'New dashboard colours.',
  ]);
  page('scheduling.md', 'Scheduling', [
    'Tasks are scheduled on nodes with free resources.',
    'Spread tasks with a strategy.',
    'Actors too.',
  ]);
  const question = 'How do I create a placement group?';
  const vector = embedder.embedOne(question);
  const first = (ranking: 'files' | 'passages') => index.search(question, vector, { ranking })[0].path;
  assert.equal(first('passages'), 'changelog.md');
  assert.equal(first('files'), 'placement-groups.md');
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

const WORDS = ['retry', 'timeout', 'cluster', 'node', 'gpu', 'autoscaler', 'maxRetries', 'logging', 'zebra', 'schema', 'déjà', '日本'];

/** What a user sees of a search: locations, scores and every part of them. */
/**
 * Every result of `query`, in location order. A frozen row's vector is kept in bytes (`FrozenIndex.matrix`), so
 * vector scores, and the fused scores that use them, agree to within quantization, not to the last bit.
 */
function observed(index: SearchIndex, query: string) {
  return index
    .search(query, embedder.embedOne(query), { k: 20 })
    .map((r) => ({ ...r }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.startLine - b.startLine));
}

/** Quantization moves a dot product by at most sqrt(64) * (largest component / 254) < 0.02 for these vectors. */
function assertSameResults(actual: ReturnType<typeof observed>, expected: ReturnType<typeof observed>): void {
  const exact = (results: ReturnType<typeof observed>) =>
    results.map((r) => ({
      ...r,
      score: undefined,
      vectorScore: undefined,
      question: r.question && { ...r.question, bestVector: undefined },
    }));
  assert.deepEqual(exact(actual), exact(expected));
  actual.forEach((result, i) => {
    assert.ok(Math.abs(result.vectorScore - expected[i].vectorScore) < 2e-2, `${result.vectorScore} against ${expected[i].vectorScore}`);
    assert.ok(Math.abs(result.score - expected[i].score) < 2e-2, `${result.score} against ${expected[i].score}`);
  });
}

test('freezing (compaction, and the snapshot form) changes no search result, before or after later edits, with the strings in memory or spilled to a file', async () => {
  const spillDir = await tempDir();
  const operation = fc.oneof(
    // Few ids, so removals and replacements hit rows that exist, often in the middle of a frozen base.
    fc.record({ add: fc.integer({ min: 0, max: 15 }), words: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 }) }),
    fc.record({ remove: fc.integer({ min: 0, max: 15 }) }),
    fc.constant({ freeze: true as const }),
  );
  fc.assert(
    fc.property(
      fc.array(operation, { minLength: 10, maxLength: 60 }),
      fc.constantFrom(...WORDS),
      fc.constantFrom(...WORDS),
      fc.boolean(),
      (operations, a, b, spill) => {
        // Spilled: every compaction's strings go to a scratch file, read a row at a time.
        const index = new SearchIndex(64, undefined, spill ? spillStringsTo(spillDir, 0) : undefined);
        const reference = new SearchIndex(64);
        for (const op of operations) {
          if ('add' in op) {
            const added = chunk(`c${op.add}`, op.words.join(' '), [`Section ${op.add % 3}`]);
            index.add(added);
            reference.add(added);
          } else if ('remove' in op) {
            index.remove(`c${op.remove}`);
            reference.remove(`c${op.remove}`);
          } else index.freeze();
        }
        const query = `${a} ${b}`;
        assertSameResults(observed(index, query), observed(reference, query));
        // Every frozen form passes the checks a snapshot read from disk must pass.
        assert.equal(frozenIndexProblem(index.freeze()), undefined);
        assertSameResults(observed(index, query), observed(reference, query));
        assert.equal(index.size, reference.size);
        const everything = (i: SearchIndex) =>
          [...i.allChunksWithVectors()].map(({ chunk }) => chunk).sort((x, y) => (x.id < y.id ? -1 : 1));
        assert.deepEqual(everything(index), everything(reference));
        index.close();
      },
    ),
    { numRuns: 150 },
  );
  // A scratch file is removed as soon as it is written: nothing is left in the index folder.
  assert.deepEqual(await fs.readdir(spillDir), []);
});

test('a snapshot written from the live index (no frozen copy in memory) reads back as its compaction', async () => {
  const operation = fc.oneof(
    fc.record({ add: fc.integer({ min: 0, max: 15 }), words: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 }) }),
    fc.record({ remove: fc.integer({ min: 0, max: 15 }) }),
    fc.constant({ freeze: true as const }),
  );
  const dir = await tempDir();
  const identity = { embedderId: 'test', dimensions: 64, chunking: 'test', analyzerVersion: ANALYZER_VERSION };
  await fc.assert(
    fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 40 }), async (operations) => {
      const index = new SearchIndex(64);
      for (const op of operations) {
        if ('add' in op) index.add(chunk(`c${op.add}`, op.words.join(' '), [`Section ${op.add % 3}`]));
        else if ('remove' in op) index.remove(`c${op.remove}`);
        else index.freeze();
      }
      await writeSnapshot(dir, () => ({ identity, plan: index.snapshotPlan(), files: {} }));
      const read = await readSnapshot(dir, identity);
      assert.equal(read.state, 'ok', read.state === 'unusable' ? read.reason : '');
      const frozen = index.freeze();
      const plain = (f: FrozenIndex) =>
        JSON.parse(JSON.stringify({ ...f, strings: f.strings.read(0, f.strings.byteLength).toString('base64') }));
      assert.deepEqual(plain((read as { frozen: FrozenIndex }).frozen), plain(frozen));
      (read as { frozen: FrozenIndex }).frozen.strings.close();
    }),
    { numRuns: 100 },
  );
});

test('a frozen index keeps working as an index: rows from the base are found, replaced and removed', () => {
  const index = new SearchIndex(64);
  index.add(chunk('a', 'the retry policy backs off exponentially', ['Retries']));
  index.add(chunk('b', 'colours of the user interface'));
  const frozen = index.freeze();
  assert.equal(frozen.rows, 2);
  const fresh = new SearchIndex(64, frozen);
  assert.equal(fresh.has('a'), true);
  assert.deepEqual(fresh.search('retry policy', undefined)[0].headingPath, ['Retries']);
  fresh.add(chunk('a', 'replaced: the zebra policy'));
  assert.equal(fresh.search('retry', undefined).length, 0);
  assert.equal(fresh.search('zebra', undefined)[0].path, 'a.md');
  fresh.remove('b');
  assert.equal(fresh.size, 1);
  assert.equal(fresh.search('colours interface', undefined).length, 0);
});

test('maxTermShare ignores words found in too many passages, but only once they are in more than a handful', () => {
  const index = new SearchIndex(64);
  for (let i = 0; i < 100; i++) index.add(chunk(`c${i}`, i < 40 ? `return the value ${i}` : `other text ${i}`));
  index.add(chunk('rare', 'return the zebra value'));
  // `return` is in 41 of 101 passages: ignored at a 5% limit, so `return` alone finds nothing and `return zebra` finds the zebra.
  assert.equal(index.search('return', undefined, { maxTermShare: 0.05 }).length, 0);
  assert.deepEqual(
    index.search('return zebra', undefined, { maxTermShare: 0.05 }).map((r) => [r.path, r.coverage]),
    [['rare.md', 1]],
  );
  assert.ok(index.search('return', undefined).length > 0);
  // In a small index every word counts, however common.
  const small = new SearchIndex(64);
  for (let i = 0; i < 10; i++) small.add(chunk(`s${i}`, `return ${i}`));
  assert.equal(small.search('return', undefined, { maxTermShare: 0.05 }).length, 10);
});

test('replacing a chunk when that removal compacts the index keeps every lookup right', () => {
  const index = new SearchIndex(64);
  for (let i = 0; i < 2000; i++) index.add(chunk(`c${i}`, `passage ${i} about topic${i % 5}`));
  index.freeze();
  for (let i = 0; i < 1000; i++) index.remove(`c${i}`);
  // The next removal (inside this add) is the 1001st: it compacts before the replacement is added.
  index.add(chunk('c1500', 'replaced: the quokka passage'));
  assert.equal(index.size, 1000);
  assert.equal(index.search('quokka', undefined)[0].path, 'c1500.md');
  // The old text is gone: c1500 is found only with its new text.
  assert.ok(index.search('passage 1500 topic0', undefined, { k: 1000 }).every((r) => r.path !== 'c1500.md' || r.text.includes('quokka')));
  // c1000 to c1999 with i % 5 = 0, less the replaced c1500.
  assert.equal(index.search('topic0', undefined, { k: 1000 }).length, 199);
  index.remove('c1500');
  assert.equal(index.has('c1500'), false);
  assert.equal(index.search('quokka', undefined).length, 0);
  assert.equal(index.size, 999);
});

test('a posting holds its row and frequency in one number; a frequency past 255 counts as 255, and a damaged posting is caught on open', () => {
  const index = new SearchIndex(64);
  index.add(chunk('often', `${'flux '.repeat(300)}capacitor`));
  index.add(chunk('twice', 'flux flux capacitor'));
  const live = index.search('flux', undefined).map((r) => [r.path, r.score]);
  const frozen = index.freeze();
  assert.equal(frozenIndexProblem(frozen), undefined);
  assert.equal(
    frozen.postings.length,
    frozen.documentFrequency.reduce((sum, df) => sum + df, 0),
    'one number per posting',
  );
  assert.deepEqual(
    index.search('flux', undefined).map((r) => [r.path, r.score]),
    live,
    'the frozen postings score as the live ones did',
  );
  assert.deepEqual(
    live.map(([path]) => path),
    ['often.md', 'twice.md'],
  );
  const damaged = { ...frozen, postings: frozen.postings.map((p, i) => (i === 0 ? p + 256 * frozen.rows : p)) };
  assert.equal(frozenIndexProblem(damaged), 'a posting names an unknown row');
  const zero = { ...frozen, postings: frozen.postings.map((p, i) => (i === 0 ? p - (p & 255) : p)) };
  assert.equal(frozenIndexProblem(zero), 'a posting names an unknown row');
});
