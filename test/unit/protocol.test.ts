import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWebviewMessage } from '../../src/shared/protocol';

test('well-formed webview messages are accepted as they are', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseWebviewMessage({ type: 'ask', question: 'How?' }), { type: 'ask', question: 'How?', answerAnyway: false });
  assert.deepEqual(parseWebviewMessage({ type: 'openSource', turnId: 'abc', n: 2 }), {
    type: 'openSource',
    turnId: 'abc',
    n: 2,
    nearest: false,
  });
  assert.deepEqual(parseWebviewMessage({ type: 'command', command: 'setApiKey' }), { type: 'command', command: 'setApiKey' });
  assert.deepEqual(parseWebviewMessage({ type: 'openLink', url: 'https://example.com' }), { type: 'openLink', url: 'https://example.com' });
});

test('anything else is dropped: unknown types, wrong shapes, arbitrary commands, file paths, unsafe links', () => {
  for (const bad of [
    null,
    'ask',
    { type: 'eval', code: 'x' },
    { type: 'ask', question: 42 },
    { type: 'ask', question: '   ' },
    { type: 'ask', question: 'x'.repeat(200_000) },
    { type: 'openSource', turnId: 'a', n: 0 },
    { type: 'openSource', turnId: 'a', n: 1.5 },
    { type: 'openSource', path: '/etc/passwd', startLine: 1, endLine: 2 },
    { type: 'command', command: 'workbench.action.terminal.new' },
    { type: 'openLink', url: 'javascript:alert(1)' },
    { type: 'openLink', url: 'file:///etc/passwd' },
    { type: 'stop' },
  ]) {
    assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad)?.slice(0, 80));
  }
});

test('extra fields never reach the host', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ask', question: 'q', path: '/etc/passwd', __proto__: { polluted: true } }), {
    type: 'ask',
    question: 'q',
    answerAnyway: false,
  });
});
