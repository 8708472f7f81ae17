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

/**
 * Stores a frozen index's strings somewhere other than memory (a scratch file), given their size and a function
 * that emits them; undefined keeps them in memory.
 */
export type SpillStrings = (byteLength: number, emit: (sink: (bytes: Uint8Array) => void) => void) => StringSection | undefined;
