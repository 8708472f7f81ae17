import { closeSync, readSync } from 'node:fs';
import { RecentlyUsed } from '../recentlyUsed';
import type { StringSection } from '../retrieval/stringSection';

const SCAN_BLOCK = 1 << 20;
/**
 * Random reads go through a cache of this many pages of this size (8 MB): a query reads sixty rows' strings,
 * each a system call otherwise, and a file's rows (a section's outline, a passage and its neighbours) share pages.
 */
const PAGE = 1 << 14;
const CACHED_PAGES = 512;

/** A file descriptor that closes when its section is collected, should an owner forget to close it. */
const orphanedFiles = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Closed already.
  }
});

/**
 * The section `[offset, offset + byteLength)` of the open file `fd`, which this section now owns. The file
 * descriptor pins the file it was opened on: a snapshot replaced by a newer one (written to a new file and
 * renamed over it) is still the one read here, so the bytes always belong to the rows in memory.
 */
export function stringsInFile(fd: number, offset: number, byteLength: number): StringSection {
  let open = true;
  const readAt = (target: Buffer, start: number, length: number) => {
    if (!open) throw new Error('the search snapshot was closed');
    for (let done = 0; done < length;) {
      const got = readSync(fd, target, done, length - done, offset + start + done);
      if (got === 0) throw new Error('the search snapshot is shorter than its header says');
      done += got;
    }
  };
  const pages = new RecentlyUsed<number, Buffer>(CACHED_PAGES);
  const page = (index: number): Buffer =>
    pages.of(index, () => {
      const bytes = Buffer.allocUnsafe(Math.min(PAGE, byteLength - index * PAGE));
      readAt(bytes, index * PAGE, bytes.length);
      return bytes;
    });
  const section: StringSection = {
    byteLength,
    read(start, end) {
      const [first, last] = [Math.floor(start / PAGE), Math.floor(Math.max(start, end - 1) / PAGE)];
      if (first === last) return page(first).subarray(start - first * PAGE, end - first * PAGE);
      const bytes = Buffer.allocUnsafe(end - start);
      if (last - first > 4) readAt(bytes, start, end - start);
      else
        for (let at = start; at < end; at = (Math.floor(at / PAGE) + 1) * PAGE)
          page(Math.floor(at / PAGE)).copy(bytes, at - start, at % PAGE, Math.min(PAGE, end - Math.floor(at / PAGE) * PAGE));
      return bytes;
    },
    scanner() {
      let block = Buffer.allocUnsafe(SCAN_BLOCK);
      let blockStart = 0;
      let blockEnd = 0;
      return (start, end) => {
        if (start < blockStart || end > blockEnd) {
          if (end - start > block.length) block = Buffer.allocUnsafe(end - start);
          blockStart = start;
          blockEnd = Math.min(byteLength, start + block.length);
          readAt(block, start, blockEnd - start);
        }
        return block.subarray(start - blockStart, end - blockStart);
      };
    },
    close() {
      if (!open) return;
      open = false;
      pages.clear();
      orphanedFiles.unregister(section);
      closeSync(fd);
    },
  };
  orphanedFiles.register(section, fd, section);
  return section;
}
