import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describeFsError } from './readDocument';

export const OUTSIDE_REASON = 'symlink to outside the folder';

/** Whether `realPath` is `realRoot` or below it. Both must already be resolved with `realpath`. */
export function isInside(realRoot: string, realPath: string): boolean {
  const relative = path.relative(realRoot, realPath);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Resolves a file that is about to be read and refuses it when its real location left the folder (a link swapped
 * after discovery, or a watcher event for a link): the last line of defence of "only the workspace is read".
 */
export async function containedRealPath(
  realRoot: string,
  absolutePath: string,
): Promise<{ ok: true; realPath: string } | { ok: false; reason: string }> {
  let realPath: string;
  try {
    realPath = await fs.realpath(absolutePath);
  } catch (error) {
    // The file itself gone is the usual case (deleted while indexing); a link whose target is gone is the other.
    const link = await fs.lstat(absolutePath).catch(() => undefined);
    return { ok: false, reason: link?.isSymbolicLink() ? 'broken symlink' : `unreadable: ${describeFsError(error)}` };
  }
  return isInside(realRoot, realPath) ? { ok: true, realPath } : { ok: false, reason: OUTSIDE_REASON };
}
