import assert from 'node:assert/strict';
import { openSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringsInFile } from '../../src/core/store/fileStrings';
import { tempDir } from '../support/tempDir';

test('reads of a snapshot’s strings through the page cache return exactly the bytes of the file, across pages and after eviction', async () => {
  // 600 pages of 16 KB (more than the 512 the cache holds) and a ragged end; the file starts 100 bytes in, as a
  // snapshot's string section does.
  const bytes = Buffer.alloc(600 * 16384 + 777);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
  const file = path.join(await tempDir(), 'strings');
  await fs.writeFile(file, Buffer.concat([Buffer.alloc(100, 7), bytes]));
  const section = stringsInFile(openSync(file, 'r'), 100, bytes.length);
  try {
    fc.assert(
      fc.property(fc.nat(bytes.length), fc.nat(5 * 16384 + 10), (start, length) => {
        const end = Math.min(bytes.length, start + length);
        assert.ok(section.read(start, end).equals(bytes.subarray(start, end)));
      }),
      { numRuns: 3000 },
    );
    // A read whole at the file's end, and one over more than four pages (read past the cache).
    assert.ok(section.read(bytes.length - 10, bytes.length).equals(bytes.subarray(bytes.length - 10)));
    assert.ok(section.read(5, 6 * 16384).equals(bytes.subarray(5, 6 * 16384)));
  } finally {
    section.close();
  }
  assert.throws(() => section.read(0, 10), /closed/);
});
