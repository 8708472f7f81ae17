import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Every index file is written the same way: to a temporary name in the same folder, flushed to the disk, then
 * renamed over the target. A crash or a full disk at any instant leaves the old file or the new one, never a
 * torn one; a failed write removes its temporary file, so a full disk does not also fill up with debris.
 */
export async function writeFileAtomic(target: string, write: (handle: fs.FileHandle) => Promise<void>): Promise<void> {
  const temp = `${target}.${process.pid}.${tempCounter++}.tmp`;
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'w');
    await write(handle);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncFolder(path.dirname(target));
}

export function writeDataAtomic(target: string, data: string | Uint8Array): Promise<void> {
  return writeFileAtomic(target, async (handle) => {
    await handle.writeFile(data);
  });
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
