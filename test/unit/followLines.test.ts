import assert from 'node:assert/strict';
import { test } from 'node:test';
import { followCitedLines } from '../../src/core/answer/followLines';

const file = ['# Retries', '', 'Set max_retries on the client.', 'Backoff doubles each time.', '', '## Timeouts', '', 'Thirty seconds.'];
const cited = file.slice(2, 4).join('\n');

test('a citation whose lines still say it stays where it is', () => {
  assert.equal(followCitedLines(cited, 3, file), 3);
});

test('lines added or removed above a citation move it with its text, up or down', () => {
  assert.equal(followCitedLines(cited, 3, ['New intro.', '', ...file]), 5);
  assert.equal(followCitedLines(cited, 3, file.slice(1)), 2);
});

test('when the text stands twice, the citation follows the place nearest where it was', () => {
  const twice = [...file, '', ...file.slice(2, 4)];
  assert.equal(followCitedLines(cited, 3, ['x', ...twice]), 4);
  assert.equal(followCitedLines(cited, 11, twice), 10);
});

test('a cited line edited, split or gone makes the citation stale, never a guess', () => {
  const edited = file.map((line) => line.replace('doubles', 'triples'));
  assert.equal(followCitedLines(cited, 3, edited), undefined);
  assert.equal(followCitedLines(cited, 3, [...file.slice(0, 3), 'inserted', ...file.slice(3)]), undefined);
  assert.equal(followCitedLines(cited, 3, []), undefined);
  assert.equal(followCitedLines('\n', 2, file), undefined, 'blank lines alone are everywhere');
});
