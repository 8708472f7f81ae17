import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CitedRanges, fileLines } from '../../src/core/answer/citedRanges';

const FILE = Array.from({ length: 20 }, (_, i) => `line ${i + 1} of the retry guide`);
const textOf = (lines: string[], from: number, to: number) => lines.slice(from - 1, to).join('\n');

/** Two answers to the same question citing lines 4-9, and a source listed but not cited at 12-15. */
function twoTurns(): CitedRanges {
  const ranges = new CitedRanges();
  for (const turnId of ['first', 'second'])
    ranges.add({ turnId, n: 1, question: 'q', file: 'guide.md', startLine: 4, endLine: 9, text: textOf(FILE, 4, 9), cited: true });
  ranges.add({
    turnId: 'second',
    n: 2,
    question: 'q',
    file: 'guide.md',
    startLine: 12,
    endLine: 15,
    text: textOf(FILE, 12, 15),
    cited: false,
  });
  return ranges;
}

test('three lines added at the top move every source shown, in every turn, cited or not', () => {
  const ranges = twoTurns();
  const edited = ['new 1', 'new 2', 'new 3', ...FILE];
  const changes = ranges.follow('guide.md', fileLines(edited));
  assert.deepEqual(
    changes.map((c) => [c.turnId, c.n, c.delta, c.stale]),
    [
      ['first', 1, 3, false],
      ['second', 1, 3, false],
      ['second', 2, 3, false],
    ],
  );
  assert.deepEqual(
    ranges.inFile('guide.md').map((r) => [r.startLine, r.endLine]),
    [
      [7, 12],
      [7, 12],
      [15, 18],
    ],
  );
  assert.deepEqual(ranges.follow('guide.md', fileLines(edited)), [], 'nothing changes twice');
});

test('a changed line makes its citations stale in every turn; undoing the change brings them back where they were', () => {
  const ranges = twoTurns();
  const changed = [...FILE];
  changed[5] = 'line 6 now says something else';
  ranges.follow('guide.md', fileLines(changed));
  assert.equal(ranges.isStale('first', 1), true);
  assert.equal(ranges.isStale('second', 1), true);
  assert.equal(ranges.isStale('second', 2), false, 'the uncited source elsewhere in the file still holds');
  ranges.follow('guide.md', fileLines(FILE));
  assert.equal(ranges.isStale('first', 1), false);
  assert.deepEqual(ranges.inFile('guide.md')[0], { ...ranges.inFile('guide.md')[0], startLine: 4, endLine: 9 });
});

test('a file that is gone makes its sources stale; other files are untouched', () => {
  const ranges = twoTurns();
  ranges.add({ turnId: 'first', n: 2, question: 'q', file: 'other.md', startLine: 1, endLine: 1, text: 'x', cited: true });
  assert.equal(ranges.lose('guide.md').length, 3);
  assert.equal(ranges.isStale('first', 2), false);
});
