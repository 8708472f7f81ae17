import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRestyle } from '../../src/core/answer/restyleCheck';

const draft = 'Set `max_retries` to change the retry count [1]. The default is 3 [2]. See https://example.com/retries for details [2].';

test('a faithful rewrite (tone and format only) is accepted', () => {
  const rewrite = '**Retry count:** adjust `max_retries` [1].\n\n- Default: 3 [2]\n- Details: https://example.com/retries [2]';
  assert.deepEqual(checkRestyle(draft, rewrite), { ok: true, problems: [] });
});

test('a lost marker is rejected', () => {
  const result = checkRestyle(
    draft,
    'Set `max_retries` to change the retry count [1]. The default is 3. See https://example.com/retries [2].',
  );
  assert.equal(result.ok, false);
  assert.match(result.problems.join(), /citations lost: \[2\]/);
});

test('an added marker is rejected', () => {
  const result = checkRestyle(draft, 'Set `max_retries` [1][3]. The default is 3 [2]. See https://example.com/retries [2].');
  assert.match(result.problems.join(), /citations added: \[3\]/);
});

test('a renumbered marker is rejected', () => {
  const result = checkRestyle(
    draft,
    'Set `max_retries` to change the retry count [1]. The default is 3 [3]. See https://example.com/retries [2].',
  );
  assert.match(result.problems.join(), /citations renumbered \(\[2\] became \[3\]\)/);
});

test('a number the draft did not have is rejected', () => {
  const result = checkRestyle(draft, 'Set `max_retries` [1]. The default is 3, up to 10 [2]. See https://example.com/retries [2].');
  assert.match(result.problems.join(), /numbers not in the draft: 10/);
});

test('code the draft did not have is rejected', () => {
  const result = checkRestyle(draft, 'Set `max_retries` or `retry_limit` [1]. The default is 3 [2]. See https://example.com/retries [2].');
  assert.match(result.problems.join(), /code not in the draft: `retry_limit`/);
});

test('a link the draft did not have is rejected', () => {
  const result = checkRestyle(
    draft,
    'Set `max_retries` [1]. The default is 3 [2]. See https://evil.example.net/x and https://example.com/retries [2].',
  );
  assert.match(result.problems.join(), /links not in the draft: https:\/\/evil\.example\.net\/x/);
});
