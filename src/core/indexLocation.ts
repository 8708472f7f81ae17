import { realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { contentHash } from './hash';

/** The default home of a folder's index: the user's cache folder, keyed by the folder's real path. */
export function defaultIndexDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  let real = path.resolve(root);
  try {
    real = realpathSync(real);
  } catch {
    // A folder that does not exist yet still gets a stable location; opening it reports the error.
  }
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'groundwork', `${path.basename(real) || 'root'}-${contentHash(real).slice(0, 12)}`);
}
