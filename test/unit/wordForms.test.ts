import assert from 'node:assert/strict';
import path from 'node:path';
import { before, test } from 'node:test';
import { answerQuestion } from '../../src/core/answer/answerQuestion';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { DocsIndex } from '../../src/core/indexing/docsIndex';
import { analyze, queryTerms } from '../../src/core/retrieval/analyzer';
import { closeAtEnd, tempDir, writeTree } from '../support/tempDir';

/**
 * A question and the page that answers it often spell the same thing differently: a compound closed or open, an
 * identifier or its words, another inflection. Each pair below must find its page and not be refused.
 */
const PAGES: Record<string, string> = {
  'rollback.md': '# Rollback\n\nTo return to an earlier release, run `acme rollback --to v1.2.2`. The previous tag is restored.\n',
  'setup.md': '# Setup\n\nInstall acme with `pip install acme`, then run `acme init` once per machine.\n',
  'login.md': '# Signing on\n\nRun `acme auth` to log in with your token; the session lasts a day.\n',
  'datasets.md': '# Data sets\n\nA data set is a folder of Parquet files that `acme load` reads in parallel.\n',
  'storage.md': '# Storage\n\nThe backend keeps artifacts in S3 or on local disk, whichever the project names.\n',
  'frontend.md': '# Web UI\n\nThe front end shows each run with its charts.\n',
  'resources.md': '# Resources\n\nSet `num_gpus` in the trainer config to reserve accelerators for each worker.\n',
  'trainers.md': '# Trainers\n\n`TorchTrainer` runs a PyTorch training loop on many workers.\n',
  'deploy.md': '# Deployments\n\nA torch trainer checkpoint can be served once it is exported.\n',
  'tasks.md': '# Tasks\n\n`max_retries` sets how often a failed task is tried again before the job fails.\n',
  'scheduling.md': '# Scheduling\n\nThe scheduler schedules each queued job when a node frees up.\n',
  'preprocessing.md': '# Preprocessing\n\nThe preprocessing stage normalizes images before training.\n',
  'reranking.md': '# Re-ranking\n\nA re-ranker orders the first results again by reading each one.\n',
  // Pages that share the common words, so the pairs above have to be told apart from them.
  'logging.md': '# Logging\n\nEvery worker writes a log file; the log level is set in the config.\n',
  'tags.md': '# Labels\n\nA tag names a release; tags are listed with `acme tags`.\n',
  'data.md': '# Data formats\n\nData is read from CSV, JSON or Parquet; each file is one table.\n',
  'cluster.md': '# Clusters\n\nA cluster has a head node and worker nodes; nodes join as they start.\n',
  'dashboard.md': '# Dashboard\n\nThe dashboard lists jobs, workers and their state, and links to the logs.\n',
  'release.md': '# Releases\n\nA release is built from the main branch and published every two weeks.\n',
};

/** [question, the page that answers it, what differs] */
const PAIRS: Array<[string, string, string]> = [
  ['How do I roll back with the tag?', 'rollback.md', 'open compound asked, closed one written'],
  ['How do I set up acme?', 'setup.md', 'open compound asked, closed one written'],
  ['How do I login?', 'login.md', 'closed compound asked, open one written'],
  ['What is a dataset?', 'datasets.md', 'closed compound asked, open one written'],
  ['What is the back end?', 'storage.md', 'open compound asked, closed one written'],
  ['What is the frontend?', 'frontend.md', 'closed compound asked, open one written'],
  ['How do I choose the number of GPUs for each worker?', 'resources.md', 'words asked, identifier written'],
  ['What does the torch trainer loop run on?', 'trainers.md', 'words asked, identifier written'],
  ['Can a TorchTrainer checkpoint be served?', 'deploy.md', 'identifier asked, words written'],
  ['What are the maximum retries?', 'tasks.md', 'words asked, abbreviated identifier written'],
  ['How are queued jobs scheduled?', 'scheduling.md', 'another inflection'],
  ['What does the pre-processing stage do?', 'preprocessing.md', 'hyphenated asked, joined written'],
  ['What does a reranker do with the results?', 'reranking.md', 'joined asked, hyphenated written'],
];

let index: DocsIndex;

before(async () => {
  const root = await tempDir();
  await writeTree(root, PAGES);
  index = await DocsIndex.open({ root, indexDir: path.join(await tempDir(), 'idx'), embedder: new HashingEmbedder() });
  closeAtEnd(() => index.close());
  await index.update();
});

for (const [question, page, kind] of PAIRS) {
  test(`"${question}" finds ${page} and is answered (${kind})`, async () => {
    const [top] = await index.search(question, { k: 3 });
    assert.equal(top?.path, page);
    const answer = await answerQuestion({ question, search: (q, k) => index.search(q, { k }), searchedFiles: index.fileCount });
    assert.notEqual(answer.verdict, 'not-in-docs', answer.notes.join(' '));
    assert.equal(answer.sources[0]?.path, page);
  });
}

test('a question the pages do not answer is still refused', async () => {
  const answer = await answerQuestion({
    question: 'How do I rotate the encryption keys of the vault?',
    search: (q, k) => index.search(q, { k }),
    searchedFiles: index.fileCount,
  });
  assert.equal(answer.verdict, 'not-in-docs');
});

test('an open compound also yields its closed form, and coverage weighs the compound, not its words', () => {
  assert.deepEqual(analyze('rolled back'), ['roll', 'back', 'rollback']);
  assert.deepEqual(analyze('setting up'), ['set', 'setup']);
  assert.deepEqual(queryTerms('How do I set up acme?'), { required: ['setup', 'acm'], optional: ['set'] });
  assert.deepEqual(queryTerms('TorchTrainer'), { required: ['torch', 'trainer'], optional: ['torchtrain'] });
  assert.deepEqual(analyze('num_gpus'), analyze('number of GPUs'));
  assert.deepEqual(analyze('max_retries'), analyze('maximum retries'));
  // A word that merely starts with the next one is not an identifier's whole form.
  assert.deepEqual(queryTerms('settings set'), { required: ['set'], optional: [] });
});
