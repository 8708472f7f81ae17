import { closeSync, openSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { SpillStrings, StringSection } from '../retrieval/stringSection';
import { stringsInFile } from './fileStrings';
import { FileSink } from './fileSink';

/** Smaller string sections stay in memory: a file each would cost more than it saves. */
export const SPILL_MIN_BYTES = 8 << 20;
/** The scratch file's name before its temporary suffix; the index's clean-up knows it. */
const SPILL_FILE = 'search-text.bin';
let spills = 0;

/**
 * Where a large build's frozen strings go: a scratch file in the index folder instead of memory (45 MB of
 * chunk text for cpp-docs), read a row at a time like a snapshot's. The file is removed as soon as it is
 * written, so nothing is left behind even by a process that is killed (the system keeps an open file's data
 * until it is closed); where the system refuses, it goes when the section is closed, and the next writer's
 * clean-up removes what a killed process left. A spill that fails (a full disk, a read-only folder) leaves the
 * strings in memory.
 */
export function spillStringsTo(dir: string, minBytes = SPILL_MIN_BYTES): SpillStrings {
  return (byteLength, emit) => {
    if (byteLength < minBytes) return undefined;
    const file = path.join(dir, `${SPILL_FILE}.${process.pid}.${spills++}.tmp`);
    let fd: number | undefined;
    try {
      fd = openSync(file, 'w+');
      const sink = new FileSink(fd);
      emit(sink.write);
      sink.flush();
      if (sink.offset !== byteLength) throw new Error('the spilled strings are not the size planned');
    } catch {
      if (fd !== undefined) closeSync(fd);
      removeQuietly(file);
      return undefined;
    }
    let removed = removeQuietly(file);
    const section = stringsInFile(fd, 0, byteLength);
    return {
      ...section,
      close() {
        section.close();
        if (!removed) removed = removeQuietly(file);
      },
    } satisfies StringSection;
  };
}

function removeQuietly(file: string): boolean {
  try {
    unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}
