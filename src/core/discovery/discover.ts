import { promises as fs } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type { SkippedFile } from '../types';
import { isInside, OUTSIDE_REASON } from './containment';
import { IgnoreRules } from './ignoreRules';
import { isNeverWalkedDir, isSecretFileName, isSecretTarget } from './neverIndexed';
import { describeFsError } from './fsErrors';
import { NOT_A_REGULAR_FILE } from './readDocument';

export const DEFAULT_INCLUDE = ['**/*.{md,mdx,markdown,rst,txt,adoc,ipynb}'];

const SECRET_LINK_REASON = 'symlink to a secret or credentials file (never indexed)';

export interface DiscoveryOptions {
  include?: string[];
  exclude?: string[];
  /**
   * Follow symlinks whose target is outside the folder. Off by default: a link must not pull a file from
   * elsewhere on the machine (a key, /etc/passwd) into the index and from there into a prompt.
   */
  followExternalSymlinks?: boolean;
}

export interface DiscoveredFile {
  /** Relative to the root, `/`-separated. */
  path: string;
  absolutePath: string;
}

export interface DiscoveryResult {
  files: DiscoveredFile[];
  skipped: SkippedFile[];
}

/** Finds the documents under `root` that the include/exclude globs and ignore files allow, in a stable order. */
export async function discoverDocuments(root: string, options: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const { isIncluded, isExcluded } = globMatchers(options);
  const realRoot = await realFolder(root);
  const rules = new IgnoreRules(root);
  const files: DiscoveredFile[] = [];
  const skipped: SkippedFile[] = [];
  const visitedDirs = new Set<string>();

  async function walk(relDir: string): Promise<void> {
    const absDir = path.join(root, relDir);
    let real: string;
    try {
      real = await fs.realpath(absDir);
    } catch (error) {
      skipped.push({ path: relDir || '.', reason: `unreadable folder: ${describeFsError(error)}` });
      return;
    }
    // Symlinked folders are followed once; a second visit of the same real folder is a loop or a duplicate.
    if (visitedDirs.has(real)) {
      if (relDir) skipped.push({ path: relDir, reason: 'symlink to a folder already indexed (loop or duplicate)' });
      return;
    }
    visitedDirs.add(real);

    let entries;
    try {
      entries = await fs.readdir(absDir, { withFileTypes: true });
    } catch (error) {
      skipped.push({ path: relDir || '.', reason: `unreadable folder: ${describeFsError(error)}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const relPath = relDir ? `${relDir}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (isDir ? isNeverWalkedDir(entry.name) : isFile && isSecretFileName(entry.name)) continue;
      if (entry.isSymbolicLink()) {
        const link = await resolveLink(realRoot, path.join(absDir, entry.name), options);
        if (!link.ok) {
          skipped.push({ path: relPath, reason: link.reason });
          continue;
        }
        isDir = link.isDir;
        isFile = link.isFile;
        if (isDir ? isNeverWalkedDir(entry.name) : isSecretFileName(entry.name)) continue;
      }
      if (isDir) {
        if ((await rules.isIgnored(relPath, true)) || isExcluded(relPath) || isExcluded(`${relPath}/`)) continue;
        await walk(relPath);
      } else if (isFile) {
        if (!isIncluded(relPath) || isExcluded(relPath) || (await rules.isIgnored(relPath, false))) continue;
        files.push({ path: relPath, absolutePath: path.join(absDir, entry.name) });
      } else if (isIncluded(relPath) && !isExcluded(relPath) && !(await rules.isIgnored(relPath, false))) {
        // Never opened, but listed, so a doc that is not indexed says why.
        skipped.push({ path: relPath, reason: NOT_A_REGULAR_FILE });
      }
    }
  }

  await walk('');
  return { files, skipped };
}

/** The real path of the folder to index, or a clear error when it is not one. */
export async function realFolder(root: string): Promise<string> {
  try {
    const stat = await fs.stat(root);
    if (!stat.isDirectory()) throw new Error(`${root} is not a folder`);
    return await fs.realpath(root);
  } catch (error) {
    throw new Error(`Cannot index ${root}: ${describeFsError(error)}`);
  }
}

type LinkVerdict = { ok: true; isDir: boolean; isFile: boolean } | { ok: false; reason: string };

/** Where a symlink leads, and whether it may be followed: inside the folder (or opted in), and not to a secret. */
async function resolveLink(realRoot: string, absolutePath: string, options: DiscoveryOptions): Promise<LinkVerdict> {
  let target: string;
  let stat;
  try {
    target = await fs.realpath(absolutePath);
    stat = await fs.stat(target);
  } catch {
    return { ok: false, reason: 'broken symlink' };
  }
  if (!options.followExternalSymlinks && !isInside(realRoot, target)) return { ok: false, reason: OUTSIDE_REASON };
  if (isSecretTarget(realRoot, target, stat.isFile())) return { ok: false, reason: SECRET_LINK_REASON };
  return { ok: true, isDir: stat.isDirectory(), isFile: stat.isFile() };
}

type GlobMatchers = { isIncluded: (relPath: string) => boolean; isExcluded: (relPath: string) => boolean };

/** Compiled once per settings object: a docs tool checks one path per call, and compiling the globs cost more. */
const compiledGlobs = new WeakMap<DiscoveryOptions, GlobMatchers>();

function globMatchers(options: DiscoveryOptions): GlobMatchers {
  let matchers = compiledGlobs.get(options);
  if (!matchers) {
    matchers = {
      isIncluded: picomatch(options.include?.length ? options.include : DEFAULT_INCLUDE, { dot: true }),
      isExcluded: options.exclude?.length ? picomatch(options.exclude, { dot: true }) : () => false,
    };
    compiledGlobs.set(options, matchers);
  }
  return matchers;
}

/**
 * The same rules as `discoverDocuments`, for a few paths a file watcher reported: which of them are documents
 * to index now, and which are refused with a reason. A path that is gone, or no longer a document, is in neither.
 */
export async function filterDocumentPaths(root: string, relPaths: string[], options: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const { isIncluded, isExcluded } = globMatchers(options);
  const realRoot = await realFolder(root);
  const rules = new IgnoreRules(root);
  const files: DiscoveredFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const relPath of [...new Set(relPaths)].sort()) {
    const parts = relPath.split('/');
    if (parts.slice(0, -1).some(isNeverWalkedDir) || isSecretFileName(parts[parts.length - 1])) continue;
    if (!isIncluded(relPath) || isExcluded(relPath)) continue;
    const absolutePath = path.join(root, relPath);
    const stat = await fs.stat(absolutePath).catch(() => undefined);
    if (!stat?.isFile()) continue;
    const dirs = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = isExcludedDir(dirs, isExcluded) || (await rules.isIgnored(relPath, false));
    for (const dir of dirs) if (!ignored && (await rules.isIgnored(dir, true))) ignored = true;
    if (ignored) continue;
    const real = await fs.realpath(absolutePath).catch(() => undefined);
    if (!real) continue;
    if (!options.followExternalSymlinks && !isInside(realRoot, real)) {
      skipped.push({ path: relPath, reason: OUTSIDE_REASON });
      continue;
    }
    if (isSecretTarget(realRoot, real, true)) {
      skipped.push({ path: relPath, reason: SECRET_LINK_REASON });
      continue;
    }
    files.push({ path: relPath, absolutePath });
  }
  return { files, skipped };
}

function isExcludedDir(dirs: string[], isExcluded: (path: string) => boolean): boolean {
  return dirs.some((dir) => isExcluded(dir) || isExcluded(`${dir}/`));
}
