import path from 'node:path';

export const OUTSIDE_REASON = 'symlink to outside the folder';

/** Whether `realPath` is `realRoot` or below it. Both must already be resolved with `realpath`. */
export function isInside(realRoot: string, realPath: string): boolean {
  const relative = path.relative(realRoot, realPath);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
