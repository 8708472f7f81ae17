import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface WriteOptions {
  /**
   * Wait until the file is on the disk itself (fsync, and the rename with its folder), so it survives a power
   * loss, not only a crash of the process. The manifest, the commit point, is written so; shards and the search
   * snapshot are not: the manifest records each shard's stamp and the snapshot's files, so one that a power loss
   * left behind is detected on open and repaired, and their fsync (megabytes, on every edit) would double an edit's
   * latency on a large file.
   */
  durable?: boolean;
}

/**
 * Every index file is written the same way: to a temporary name in the same folder, then renamed over the target.
 * A crash or a full disk at any instant leaves the old file or the new one, never a torn one; a failed write
 * removes its temporary file, so a full disk does not also fill up with debris.
 */
export async function writeFileAtomic(
  target: string,
  write: (handle: fs.FileHandle) => Promise<void>,
  { durable = true }: WriteOptions = {},
): Promise<void> {
  const temp = `${target}.${process.pid}.${tempCounter++}.tmp`;
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'w');
    await write(handle);
    if (durable) await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  if (durable) await syncFolder(path.dirname(target));
}

export function writeDataAtomic(target: string, data: string | Uint8Array, options?: WriteOptions): Promise<void> {
  return writeFileAtomic(
    target,
    async (handle) => {
      await handle.writeFile(data);
    },
    options,
  );
}

let tempCounter = 0;

/** Makes a rename durable. Not every platform can open a folder (Windows cannot); there the rename stands as is. */
async function syncFolder(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Temporary files a crash left behind: `NAME.PID.N.tmp` (and the older `NAME.PID.tmp`). */
export const TEMP_FILE = /\.\d+(\.\d+)?\.tmp$/;
