import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UpdateProgress } from '../../src/core/indexing/updateProgress';

test('a new update counts from zero: a checkout never shows the last update\'s "indexing 535 of 535"', () => {
  const progress = new UpdateProgress(true);
  assert.equal(progress.label().text, '$(sync~spin) Groundwork: indexing', 'not "docs indexed" before the first build ends');
  progress.report(535, 535);
  assert.equal(progress.label().text, '$(sync~spin) Groundwork: indexing 535 of 535');
  progress.finish();
  assert.equal(progress.label().text, '$(book) Groundwork');
  progress.start();
  assert.equal(progress.label().text, '$(sync~spin) Groundwork: indexing');
  assert.deepEqual(progress.counts, { done: 0, total: 0 });
  progress.report(12, 300);
  assert.equal(progress.label().text, '$(sync~spin) Groundwork: indexing 12 of 300');
});

test('a failed update says so until the next one starts', () => {
  const progress = new UpdateProgress(false);
  progress.start();
  progress.finish('the disk is full');
  assert.deepEqual(progress.label(), { text: '$(error) Groundwork', tooltip: 'Indexing failed: the disk is full' });
  assert.equal(progress.error, 'the disk is full');
  progress.start();
  assert.equal(progress.error, undefined);
});
