import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { decodeDocument, readDocument, splitLines } from '../../src/core/discovery/readDocument';
import { tempDir } from '../support/tempDir';

test('an empty file reads as empty text', () => {
  assert.deepEqual(decodeDocument(new Uint8Array()), { ok: true, text: '', size: 0, mtimeMs: 0 });
});

test('a binary file is refused as binary', () => {
  const outcome = decodeDocument(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
  assert.deepEqual(outcome, { ok: false, reason: 'binary content' });
});

test('invalid UTF-8 is refused with its reason, not garbled', () => {
  const outcome = decodeDocument(Uint8Array.from([0x48, 0x69, 0xc3, 0x28]));
  assert.deepEqual(outcome, { ok: false, reason: 'not valid UTF-8' });
});

test('a UTF-8 byte order mark is dropped so the first line is the real first line', () => {
  const outcome = decodeDocument(Buffer.from('\ufeff# Title\n', 'utf8'));
  assert.equal(outcome.ok && outcome.text, '# Title\n');
});

test('CRLF, CR and LF all end lines, so line numbers match the editor', () => {
  assert.deepEqual(splitLines('a\r\nb\rc\nd'), ['a', 'b', 'c', 'd']);
});

test('an over-size file is skipped with its size in the reason; a missing file says so', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'big.md');
  await fs.writeFile(file, 'x'.repeat(5000));
  const big = await readDocument(file, 1000);
  assert.equal(big.ok, false);
  assert.match(!big.ok ? big.reason : '', /over the size limit \(4\.9 KB > 1000 B\)/);
  const missing = await readDocument(path.join(dir, 'gone.md'), 1000);
  assert.deepEqual(missing, { ok: false, reason: 'unreadable: file not found' });
});
