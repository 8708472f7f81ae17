import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CitationStream, filterCitations } from '../../src/core/answer/citations';
import { judgeAnswer } from '../../src/core/answer/verdict';

test('markers of sources that were sent stay; others are removed and reported', () => {
  const result = filterCitations('Retries back off [1]. Timeouts are 30 s [2][7]. Pools are sized [3, 9].', new Set([1, 2, 3]));
  assert.equal(result.text, 'Retries back off [1]. Timeouts are 30 s [2]. Pools are sized [3].');
  assert.deepEqual(result.cited, [1, 2, 3]);
  assert.deepEqual(result.removed, [7, 9]);
});

test('brackets inside code are code, not citations', () => {
  const text = 'Index with `items[5]` [1].\n\n```python\nx = data[2]\n```\n';
  assert.equal(filterCitations(text, new Set([1])).text, text);
});

test('the stream gives the same text as filtering the whole answer, however it is split', () => {
  const answer = 'Use `max_retries` [1]. It defaults to 3 [2][9].\n\n```js\nconst a = b[4];\n```\nSee also [12].\n- item [1, 4]\n';
  const valid = new Set([1, 2, 4]);
  const whole = filterCitations(answer, valid);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: answer.length - 1 }), { maxLength: 12 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const stream = new CitationStream(valid);
      let shown = '';
      let last = 0;
      for (const p of [...points, answer.length]) {
        shown += stream.push(answer.slice(last, p));
        last = p;
      }
      shown += stream.end();
      assert.equal(shown, whole.text);
      assert.deepEqual(
        [...stream.removed].sort((a, b) => a - b),
        [9, 12],
      );
      assert.ok(!shown.includes('[9]') && !shown.includes('[12]'));
    }),
  );
});

test('a marker split across stream pieces is held until complete', () => {
  const stream = new CitationStream(new Set([1]));
  assert.equal(stream.push('Backoff is exponential ['), 'Backoff is exponential');
  assert.equal(stream.push('1'), '');
  assert.equal(stream.push('].'), ' [1].');
});

test('verdicts: grounded, partly grounded, not in the docs', () => {
  assert.equal(judgeAnswer('Retries back off exponentially [1]. The default is three [2].').verdict, 'grounded');
  assert.equal(judgeAnswer('Retries back off exponentially [1]. The default is three attempts.').verdict, 'partly-grounded');
  assert.equal(judgeAnswer("The docs don't cover this.").verdict, 'not-in-docs');
  assert.equal(judgeAnswer('The docs don’t cover this.').verdict, 'not-in-docs');
  assert.equal(judgeAnswer('Here is how to do it:\n\n```sh\npip install x\n```\n\n- Install the package first [1].').verdict, 'grounded');
});
