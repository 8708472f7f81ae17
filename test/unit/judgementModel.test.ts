import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { DEFAULT_ABSTAIN_THRESHOLD, JUDGED_EMBEDDER, judge, withJudgedVectors } from '../../src/core/retrieval/judgement';
import { SearchIndex } from '../../src/core/retrieval/searchIndex';
import { docsSearchAsText } from '../../src/core/docsTools/searchDocs';
import type { QuestionEvidence } from '../../src/core/types';

const embedder = new HashingEmbedder();
assert.equal(embedder.id, JUDGED_EMBEDDER, 'the judgement is fitted on the offline embedder these tests use');

// The vocabulary of a cluster-computing docs set: every passage is made of these words.
const DOCS_WORDS = (
  'cluster worker node actor task object store memory scheduler placement group resource gpu cpu replica deployment ' +
  'autoscaler head dashboard metrics logs job runtime environment dataset batch shard checkpoint trainer tuner trial ' +
  'search space scaling config restart failure retry timeout queue serve route request handler model batch size'
).split(' ');

/** A docs set of 1,200 passages in its own words (a seeded shuffle), one of which happens to say "capital" once. */
function largeDocs(): SearchIndex {
  const index = new SearchIndex(embedder.dimensions);
  let state = 7;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 1200; i++) {
    const words = Array.from({ length: 40 }, () => DOCS_WORDS[next() % DOCS_WORDS.length]);
    if (i === 600) words.push('the', 'startup', 'raised', 'capital', 'for', 'the', 'project');
    const text = `${words.join(' ')}.`;
    index.add({
      id: `p${i}`,
      path: `page${i}.md`,
      startLine: 1,
      endLine: 3,
      headingPath: [],
      anchor: '',
      text,
      tokens: 60,
      vector: embedder.embedOne(text),
    });
  }
  return index;
}

const docs = largeDocs();
const search = (question: string) => withJudgedVectors(docs.search(question, embedder.embedOne(question), { k: 5 }), embedder.id);

test('an off-topic question whose one rare word a passage happens to hold is judged not covered, and says why', () => {
  const results = search('What is the capital of France?');
  assert.equal(results[0].path, 'page600.md');
  // Half the question's weight is on "capital", which one passage holds: coverage alone took that for covered.
  assert.ok(results[0].coverage >= 0.35, `coverage ${results[0].coverage}`);
  const judgement = judge(results);
  assert.equal(judgement.covered, false);
  assert.match(judgement.reason!, /chance match/);
  const text = docsSearchAsText({ query: 'What is the capital of France?', ...judgement, passages: [] });
  assert.match(text, /No passage/);
});

test('questions in the docs’ own words are covered, one word or several', () => {
  for (const question of [
    'dashboard',
    'How do I restart a worker node in the cluster?',
    'What does the autoscaler do with the replicas of a deployment?',
  ]) {
    const judgement = judge(search(question));
    assert.equal(judgement.covered, true, `${question}: ${judgement.reason}`);
    assert.equal(judgement.reason, undefined);
  }
});

test('the evidence is the same however many passages are asked for, and words the docs barely use are counted', () => {
  const few = docs.search('capital of France', undefined, { k: 1 })[0].question!;
  const many = docs.search('capital of France', undefined, { k: 20 })[0].question!;
  assert.deepEqual(few, many);
  assert.equal(few.passages, 1200);
  assert.equal(few.terms, 2);
  assert.equal(few.rareShare, 1, 'capital is in one passage of 1,200 and France in none');
  assert.equal(few.bestVector, undefined, 'no query vector, no vector evidence');
  const common = docs.search('worker cluster', undefined, { k: 1 })[0].question!;
  assert.equal(common.rareShare, 0);
  assert.ok(common.secondCoverage > 0.99, 'many passages hold both words');
});

test('another embedder’s vector scores are left out of the evidence, and the words-alone weights decide', () => {
  const results = docs.search('What is the capital of France?', embedder.embedOne('What is the capital of France?'), { k: 3 });
  assert.notEqual(results[0].question!.bestVector, undefined);
  const other = withJudgedVectors(results, 'text-embedding-3-small');
  assert.equal(other[0].question!.bestVector, undefined);
  assert.equal(judge(other).covered, false);
});

test('a small docs set keeps the coverage bar (0.35 at the default, else the threshold set); Explain Selection takes the threshold alone', () => {
  const small: QuestionEvidence = { passages: 40, terms: 4, rareShare: 0, bestCoverage: 0.3, secondCoverage: 0.1 };
  const results = [{ coverage: 0.3, question: small }];
  assert.equal(judge(results).covered, false);
  assert.match(judge(results).reason!, /in docs this small/);
  assert.equal(judge([{ coverage: 0.5, question: { ...small, bestCoverage: 0.5 } }]).covered, true);
  // A threshold the user set is the bar itself, stricter or looser.
  assert.equal(judge([{ coverage: 0.5, question: { ...small, bestCoverage: 0.5 } }], undefined, 0.55).covered, false);
  assert.equal(judge(results, undefined, 0.25).covered, true);
  assert.equal(judge(results, undefined, 0.15, 'coverage').covered, true);
  assert.equal(judge(results, undefined, 0.4, 'coverage').covered, false);
  // Below the threshold nothing is covered, whatever the rest of the evidence.
  const large: QuestionEvidence = {
    passages: 5000,
    terms: 12,
    rareShare: 0,
    bestCoverage: DEFAULT_ABSTAIN_THRESHOLD - 0.01,
    secondCoverage: 0.19,
  };
  assert.equal(judge([{ coverage: large.bestCoverage, question: large }]).covered, false);
});
