import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fileRankedOrder,
  type RankingCandidate,
  rankingFeatures,
  RANKING_FEATURES,
  rankingQuery,
} from '../../src/core/retrieval/fileRanking';

function candidate(path: string, score: number, text = '', headingPath: string[] = []): RankingCandidate {
  return { path, headingPath, text, score, lexicalScore: score, vectorScore: score, coverage: score };
}

const feature = (name: (typeof RANKING_FEATURES)[number]) => RANKING_FEATURES.indexOf(name);

test('files come in the order of their best model score; each gives its best passage first, its others after', () => {
  const candidates = [
    candidate('a.md', 0.9),
    candidate('b.md', 0.8),
    candidate('a.md', 0.7),
    candidate('c.md', 0.6),
    candidate('b.md', 0.5),
  ];
  // The model prefers c, then b, then a; within a file the fused score decides which passage leads.
  const model = [1, 2, 1.5, 3, 0];
  assert.deepEqual(fileRankedOrder(candidates, model), [3, 1, 0, 4, 2]);
});

test('how many passages of a file match counts only where files have several passages', () => {
  const candidates = [candidate('a.md', 0.9), candidate('a.md', 0.8), candidate('b.md', 0.7)];
  const weights = new Map([['placement', 2]]);
  const onePassageEach = rankingFeatures(candidates, rankingQuery('placement', weights, 1));
  assert.deepEqual(
    onePassageEach.map((row) => row[feature('matchingPassagesOfFile')]),
    [0, 0, 0],
  );
  const longPages = rankingFeatures(candidates, rankingQuery('placement', weights, 4));
  const [a, , b] = longPages.map((row) => row[feature('matchingPassagesOfFile')]);
  assert.ok(a > 0);
  assert.equal(b, 0);
});

test('title, path and heading coverage weigh the question terms they hold; a phrase counts where its terms stand together', () => {
  const weights = new Map([
    ['placement', 3],
    ['group', 1],
  ]);
  const query = rankingQuery('placement group', weights, 2);
  const [titled, elsewhere] = rankingFeatures(
    [
      candidate('ray-core/placement.md', 0.5, 'Reserve resources with a placement group.', ['Placement', 'Groups']),
      candidate('misc/notes.md', 0.5, 'A group of placement options.', ['Notes']),
    ],
    query,
  );
  assert.equal(titled[feature('titleCoverage')], 0.75);
  assert.equal(titled[feature('pathCoverage')], 0.75);
  assert.equal(titled[feature('headingCoverage')], 1);
  assert.equal(titled[feature('phraseMatch')], 1);
  assert.equal(elsewhere[feature('titleCoverage')], 0);
  assert.equal(elsewhere[feature('phraseMatch')], 0);
});
