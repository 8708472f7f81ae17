import picomatch from 'picomatch';
import { ToolInputError } from './toolInputError';

/** Characters that make a path filter a glob; without any, it names a folder or a file. */
const GLOB_CHARS = /[*?[\]{}()!]/;

/**
 * Path filters as agents and people write them, made into globs: `train`, `train/` and `./train` mean the folder
 * (and a file of that name), `guides/**` stays as it is; several may be given. An invalid glob, or one that matches
 * no indexed file, is an error that names the closest folders: "not in the docs" would be a wrong answer.
 */
export function resolvePathGlobs(filters: string | string[] | undefined, indexedPaths?: readonly string[]): string[] | undefined {
  const raw = (Array.isArray(filters) ? filters : filters === undefined ? [] : [filters]).map((f) => f.trim()).filter(Boolean);
  if (!raw.length) return undefined;
  const globs: string[] = [];
  for (const filter of raw) {
    const clean = filter.replace(/\\/g, '/').replace(/^\.\//, '');
    if (!GLOB_CHARS.test(clean)) {
      const name = clean.replace(/\/+$/, '');
      globs.push(name, `${name}/**`);
      continue;
    }
    try {
      picomatch.makeRe(clean, { strictBrackets: true });
    } catch (error) {
      throw new ToolInputError(`pathGlob "${filter}" is not a valid glob (${(error as Error).message}); for example "guides/**"`);
    }
    globs.push(clean);
  }
  if (indexedPaths?.length) {
    const matches = picomatch(globs, { dot: true });
    if (!indexedPaths.some((p) => matches(p)))
      throw new ToolInputError(
        `pathGlob ${raw.map((r) => `"${r}"`).join(', ')} matches no indexed file; folders that exist: ${closestFolders(raw, indexedPaths).join(', ')}`,
      );
  }
  return globs;
}

/** The indexed folders most like what was asked (sharing its words first), at most eight. */
function closestFolders(asked: string[], paths: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const p of paths) {
    const parts = p.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) folders.add(`${parts.slice(0, i).join('/')}/`);
  }
  if (!folders.size) return ['(the docs have no subfolders; leave pathGlob out)'];
  const words = asked.flatMap((a) =>
    a
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 1),
  );
  // A folder named like a word asked for, or its start ("train" for "training"), comes first.
  const score = (folder: string) => {
    const names = folder.toLowerCase().split('/').filter(Boolean);
    return words.filter((w) => names.some((n) => n.startsWith(w) || w.startsWith(n))).length;
  };
  return [...folders].sort((a, b) => score(b) - score(a) || a.split('/').length - b.split('/').length || a.localeCompare(b)).slice(0, 8);
}
