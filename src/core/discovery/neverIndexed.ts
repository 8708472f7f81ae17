import path from 'node:path';
import picomatch from 'picomatch';

/** Folders never walked, whatever the globs say: VCS data, dependencies, our own index, credential stores. */
const NEVER_WALKED_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '.groundwork', '.ssh', '.aws', '.gnupg']);

/** Files never read, whatever the globs say: secrets and the common credential files. */
const SECRET_FILE = picomatch(
  [
    '.env',
    '.env.*',
    '*.pem',
    '*.key',
    '*.p12',
    '*.pfx',
    '*.keystore',
    '*.kdbx',
    'id_rsa*',
    'id_dsa*',
    'id_ecdsa*',
    'id_ed25519*',
    '.npmrc',
    '.netrc',
    '.pgpass',
    '.pypirc',
    '.git-credentials',
    'credentials*',
  ],
  { dot: true, nocase: true },
);

export function isNeverWalkedDir(name: string): boolean {
  return NEVER_WALKED_DIRS.has(name);
}

export function isSecretFileName(name: string): boolean {
  return SECRET_FILE(name);
}

/**
 * Whether a symlink's target passes through a credential folder or names a secret file: the rules apply to where
 * a link points, not only to the link's own name. Inside the folder only the part below the folder counts (a
 * workspace may itself live under such a name); outside it, the whole path.
 */
export function isSecretTarget(realRoot: string, realPath: string, isFile: boolean): boolean {
  const relative = path.relative(realRoot, realPath);
  const below = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : realPath;
  const parts = below.split(/[\\/]/).filter(Boolean);
  const dirs = isFile ? parts.slice(0, -1) : parts;
  if (dirs.some(isNeverWalkedDir)) return true;
  return isFile && isSecretFileName(parts[parts.length - 1] ?? '');
}
