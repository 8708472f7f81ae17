import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterCitations } from '../../src/core/answer/citations';
import { citedSentencesOf } from '../../src/core/answer/evidence';
import { judgeAnswer } from '../../src/core/answer/verdict';
import {
  citedNumbers,
  escapeMarkers,
  locationOf,
  markersIn,
  maskCode,
  parseLocation,
  replaceMarkers,
  splitAtMarkers,
  withoutMarkers,
} from '../../src/shared/citationMarkers';

/** A seeded generator (mulberry32): the same texts on every run, so a failure can be reproduced. */
function random(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'Set ',
  'max_retries',
  ' in the client',
  '. ',
  '[1]',
  '[2]',
  '[1, 3]',
  '[12]',
  '[1234]',
  '`a[1]b`',
  '\n```\nx = [2]\n```\n',
  '[',
  ']',
  '\\[4\\]',
  'The 5 retries',
  '\n- item ',
];

function randomAnswer(next: () => number): string {
  return Array.from({ length: 3 + Math.floor(next() * 14) }, () => PIECES[Math.floor(next() * PIECES.length)]).join('');
}

test('the citation grammar holds for 2,000 generated answers: one reading for every surface', () => {
  const next = random(20261207);
  for (let i = 0; i < 2000; i++) {
    const text = randomAnswer(next);
    const markers = markersIn(text);
    // Markers are never inside code, and each is exactly `[n]` at its position.
    const masked = maskCode(text);
    for (const m of markers) {
      assert.equal(text.slice(m.index, m.end), `[${m.n}]`, text);
      assert.equal(masked.slice(m.index, m.end), `[${m.n}]`, `a marker inside code was read: ${JSON.stringify(text)}`);
    }
    // Lists count every number; single markers are among them.
    const numbers = citedNumbers(text);
    for (const m of markers) assert.ok(numbers.includes(m.n), text);
    // Without markers, nothing is cited; escaped, nothing is cited; code is left as it was.
    assert.deepEqual(citedNumbers(withoutMarkers(text)), [], text);
    assert.deepEqual(markersIn(escapeMarkers(text), { inCodeToo: true }), [], text);
    assert.equal(maskCode(replaceMarkers(text, () => '')).length <= text.length, true);
    // Splitting at markers loses nothing.
    assert.equal(
      splitAtMarkers(text)
        .map((p) => (typeof p === 'string' ? p : `[${p.n}]`))
        .join(''),
      text,
    );
    // The surfaces agree: every marker filterCitations keeps is one alignEvidence reads, in order, and the verdict
    // sees a citation exactly when there is one.
    const { text: filtered, cited } = filterCitations(text, new Set([1, 2, 3]));
    const read = citedSentencesOf(filtered).map((c) => c.n);
    assert.deepEqual(
      read,
      markersIn(filtered).map((m) => m.n),
      filtered,
    );
    for (const n of read) assert.ok(cited.includes(n), filtered);
    if (!markersIn(filtered).length) assert.notEqual(judgeAnswer(filtered).verdict, 'grounded', filtered);
  }
});

test('lists become single markers, and brackets in code stay code', () => {
  const { text, cited, removed } = filterCitations('Set it [1, 2] and `arr[3]` then [9].', new Set([1, 2, 3]));
  assert.equal(text, 'Set it [1][2] and `arr[3]` then.');
  assert.deepEqual(cited, [1, 2]);
  assert.deepEqual(removed, [9]);
  assert.deepEqual(
    markersIn(text).map((m) => m.n),
    [1, 2],
  );
});

test('one location format: what every surface writes as path:start-end reads back as the same lines', () => {
  const next = random(7);
  for (let i = 0; i < 500; i++) {
    const startLine = 1 + Math.floor(next() * 5000);
    const at = { path: `docs/${['a', 'b c', 'x:y', 'ü'][i % 4]}/${i}.md`, startLine, endLine: startLine + Math.floor(next() * 40) };
    assert.deepEqual(parseLocation(locationOf(at)), at);
  }
  assert.deepEqual(parseLocation('guide/retries.rst:12'), { path: 'guide/retries.rst', startLine: 12, endLine: 12 });
  assert.equal(parseLocation('guide/retries.rst'), undefined);
});
