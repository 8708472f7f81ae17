import { promises as fs } from 'node:fs';
import { TEMP_FILE } from './atomicWrite';
import { IndexBusyError, IndexLock } from './indexLock';
import type { Manifest } from './manifest';
import type { IndexStoreOptions } from './storeTypes';

/**
 * Removes the index's own files from its folder (all of them for a rebuild, or only the temporary ones a writer
 * that died left), never anything else the folder holds.
 */
export async function clearIndexFiles(dir: string, temporaryOnly = false): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  // Only our own files: the user may have pointed --index at a folder holding other things. Temporary files are
  // what a writer that died left; whoever holds the lock is the only writer, so they are debris.
  const ours = /^(shard-\d+\.json(\.gz)?|manifest\.json|search-snapshot\.bin|search-text\.bin)$/;
  for (const name of names) {
    const temporary = TEMP_FILE.test(name) && ours.test(name.replace(TEMP_FILE, ''));
    if (temporary || (!temporaryOnly && ours.test(name))) await fs.rm(`${dir}/${name}`, { force: true });
  }
}

export function describeUnwritable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG'
    ? 'the disk is full'
    : code === 'EROFS'
      ? 'a read-only file system'
      : 'no permission to write its folder';
}

/** What a manifest says, without when or by whom it was written: two equal ones need not both be written. */
export function manifestContent(manifest: Manifest): string {
  return JSON.stringify({ ...manifest, updatedAt: undefined, writtenBy: undefined });
}

/** The write lock, or undefined (said in the log) when a live process holds it. Throws when the folder is unwritable. */
export async function acquireWriteLock(options: IndexStoreOptions, waitMs = options.lockWaitMs ?? 0): Promise<IndexLock | undefined> {
  const log = options.log ?? (() => {});
  await fs.mkdir(options.indexDir, { recursive: true });
  const acquired = await IndexLock.acquire(options.indexDir, waitMs, (owner) =>
    log(`Waiting for another Groundwork process (pid ${owner.pid}) to finish updating the index at ${options.indexDir}…`),
  );
  if (acquired instanceof IndexLock) return acquired;
  log(`${new IndexBusyError(options.indexDir, acquired.busy).message}; reading the index as it is until then.`);
  return undefined;
}
