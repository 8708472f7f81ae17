import { promises as fs } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import type { SkippedFile } from '../types';
import { describeFsError } from './readDocument';

export const DEFAULT_INCLUDE = ['**/*.{md,mdx,markdown,rst,txt,adoc,ipynb}'];
export const IGNORE_FILE_NAMES = ['.gitignore', '.groundworkignore'];

/** Never indexed, whatever the globs say: VCS data, dependencies, our own index, secrets. */
const ALWAYS_EXCLUDED_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '.groundwork']);
const SECRET_FILE = picomatch(
  [
    '.env',
    '.env.*',
    '*.pem',
    '*.key',
    '*.p12',
    '*.pfx',
    '*.keystore',
    'id_rsa*',
    'id_dsa*',
    'id_ecdsa*',
    'id_ed25519*',
    '.npmrc',
    '.netrc',
  ],
  { dot: true, nocase: true },
);

export interface DiscoveryOptions {
  include?: string[];
  exclude?: string[];
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

interface IgnoreLayer {
  /** Relative directory this rule file lives in ('' for the root). */
  base: string;
  rules: Ignore;
}

/** Finds the documents under `root` that the include/exclude globs and ignore files allow, in a stable order. */
export async function discoverDocuments(root: string, options: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const { isIncluded, isExcluded } = globMatchers(options);
  const files: DiscoveredFile[] = [];
  const skipped: SkippedFile[] = [];
  const visitedDirs = new Set<string>();

  async function walk(relDir: string, layers: IgnoreLayer[]): Promise<void> {
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
    const ownLayers = [...layers];
    for (const name of IGNORE_FILE_NAMES) {
      if (!entries.some((e) => e.name === name)) continue;
      try {
        const content = await fs.readFile(path.join(absDir, name), 'utf8');
        ownLayers.push({ base: relDir, rules: ignore().add(content) });
      } catch {
        // An unreadable ignore file ignores nothing; the files it would hide are still subject to the globs.
      }
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const relPath = relDir ? `${relDir}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const target = await fs.stat(path.join(absDir, entry.name));
          isDir = target.isDirectory();
          isFile = target.isFile();
        } catch {
          skipped.push({ path: relPath, reason: 'broken symlink' });
          continue;
        }
      }
      if (isDir) {
        if (ALWAYS_EXCLUDED_DIRS.has(entry.name)) continue;
        if (isIgnored(ownLayers, relPath, true) || isExcluded(relPath) || isExcluded(`${relPath}/`)) continue;
        await walk(relPath, ownLayers);
      } else if (isFile) {
        if (SECRET_FILE(entry.name)) continue;
        if (!isIncluded(relPath) || isExcluded(relPath) || isIgnored(ownLayers, relPath, false)) continue;
        files.push({ path: relPath, absolutePath: path.join(absDir, entry.name) });
      }
    }
  }

  try {
    const stat = await fs.stat(root);
    if (!stat.isDirectory()) throw new Error(`${root} is not a folder`);
  } catch (error) {
    throw new Error(`Cannot index ${root}: ${describeFsError(error)}`);
  }
  await walk('', []);
  return { files, skipped };
}

function globMatchers(options: DiscoveryOptions) {
  return {
    isIncluded: picomatch(options.include?.length ? options.include : DEFAULT_INCLUDE, { dot: true }),
    isExcluded: options.exclude?.length ? picomatch(options.exclude, { dot: true }) : () => false,
  };
}

/**
 * The same rules as `discoverDocuments`, for a few paths a file watcher reported: which of them are documents
 * to index now. A path that is gone, or no longer a document, is simply not returned.
 */
export async function filterDocumentPaths(root: string, relPaths: string[], options: DiscoveryOptions = {}): Promise<DiscoveredFile[]> {
  const { isIncluded, isExcluded } = globMatchers(options);
  const layersByDir = new Map<string, IgnoreLayer[]>();
  async function layersFor(relDir: string): Promise<IgnoreLayer[]> {
    const cached = layersByDir.get(relDir);
    if (cached) return cached;
    const parent = relDir ? await layersFor(relDir.includes('/') ? relDir.slice(0, relDir.lastIndexOf('/')) : '') : [];
    const layers = [...parent];
    for (const name of IGNORE_FILE_NAMES) {
      try {
        layers.push({ base: relDir, rules: ignore().add(await fs.readFile(path.join(root, relDir, name), 'utf8')) });
      } catch {
        // No such ignore file here.
      }
    }
    layersByDir.set(relDir, layers);
    return layers;
  }
  const accepted: DiscoveredFile[] = [];
  for (const relPath of [...new Set(relPaths)].sort()) {
    const parts = relPath.split('/');
    if (parts.slice(0, -1).some((part) => ALWAYS_EXCLUDED_DIRS.has(part)) || SECRET_FILE(parts[parts.length - 1])) continue;
    if (!isIncluded(relPath) || isExcluded(relPath)) continue;
    const stat = await fs.stat(path.join(root, relPath)).catch(() => undefined);
    if (!stat?.isFile()) continue;
    const dirs = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
    const layers = await layersFor(dirs[dirs.length - 1] ?? '');
    if (dirs.some((dir) => isIgnored(layers, dir, true) || isExcluded(dir) || isExcluded(`${dir}/`))) continue;
    if (isIgnored(layers, relPath, false)) continue;
    accepted.push({ path: relPath, absolutePath: path.join(root, relPath) });
  }
  return accepted;
}

/** Applies ignore files from the root down, so a deeper file can re-include what a shallower one ignored. */
function isIgnored(layers: IgnoreLayer[], relPath: string, isDir: boolean): boolean {
  let ignored = false;
  for (const layer of layers) {
    const local = layer.base ? relPath.slice(layer.base.length + 1) : relPath;
    const verdict = layer.rules.test(isDir ? `${local}/` : local);
    if (verdict.ignored) ignored = true;
    else if (verdict.unignored) ignored = false;
  }
  return ignored;
}
