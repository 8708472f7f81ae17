import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFsError } from '../../src/core/discovery/fsErrors';
import { IndexBusyError } from '../../src/core/store/indexLock';

test('a lock held under another host name says so, and how to free it if that host is gone', () => {
  const message = new IndexBusyError('/shared/idx', {
    pid: 42,
    hostname: 'build-agent-7',
    processStart: '',
    acquiredAt: '2026-12-07',
    token: 't',
  }).message;
  assert.match(message, /pid 42 on host build-agent-7/);
  assert.match(message, /remove index\.lock if that host is gone/);
});

test('a path thousands of characters long is shortened in a skip reason', () => {
  const long = `/docs/${'a'.repeat(5000)}.md`;
  const reason = describeFsError(Object.assign(new Error(`ELOOP: too many symbolic links, open '${long}'`), { code: 'ELOOP' }));
  assert.ok(reason.length < 300, `${reason.length} characters`);
  assert.match(reason, /^ELOOP: too many symbolic links, open '\/docs\/a+…a+\.md'$/);
  assert.equal(describeFsError(Object.assign(new Error('x'), { code: 'ENAMETOOLONG' })), 'name too long');
});
