import { closeSync, readSync } from 'node:fs';

/**
 * The strings of a frozen index (each row's id, heading path, anchor and text, as UTF-8): most of an index's
 * size. A compaction holds them in memory; an index opened from its search snapshot leaves them in the file and
 * reads a row's bytes when a query returns it, which keeps the text (about 45 MB for cpp-docs) out of memory.
 */
export interface StringSection {
  readonly byteLength: number;
  /** The bytes `[start, end)`, for random access (one read). */
  read(start: number, end: number): Buffer;
  /**
   * A reader for ranges asked for in increasing order (a whole pass over the rows): it reads ahead in large
   * blocks. What it returns may be overwritten by its next call: decode or copy it first.
   */
  scanner(): (start: number, end: number) => Uint8Array;
  /** Releases the file, if any; the section is not read after this. */
  close(): void;
}

export function stringsInMemory(bytes: Buffer): StringSection {
  return {
    byteLength: bytes.length,
    read: (start, end) => bytes.subarray(start, end),
    scanner: () => (start, end) => bytes.subarray(start, end),
    close: () => {},
  };
}

const SCAN_BLOCK = 1 << 20;

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
  const section: StringSection = {
    byteLength,
    read(start, end) {
      const bytes = Buffer.allocUnsafe(end - start);
      readAt(bytes, start, end - start);
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
      orphanedFiles.unregister(section);
      closeSync(fd);
    },
  };
  orphanedFiles.register(section, fd, section);
  return section;
}
