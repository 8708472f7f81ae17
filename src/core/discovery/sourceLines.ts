import path from 'node:path';
import { realFolder } from './discover';
import { readDocument, splitLines } from './readDocument';

/**
 * The lines of a doc the index cites (the evidence step of an answer), read under the index's containment rule:
 * through one descriptor checked to be inside the folder, unless the folder opts in to links to outside. Undefined
 * when the file is gone, refused or unreadable: evidence is then left out, never read from elsewhere.
 */
export async function readSourceLines(
  root: string,
  relPath: string,
  options: { followExternalSymlinks?: boolean } = {},
): Promise<string[] | undefined> {
  const absolutePath = path.join(root, ...relPath.split('/'));
  const containedIn = options.followExternalSymlinks ? undefined : await realFolder(root).catch(() => undefined);
  if (!options.followExternalSymlinks && !containedIn) return undefined;
  const read = await readDocument(absolutePath, Number.MAX_SAFE_INTEGER, containedIn);
  return read.ok ? splitLines(read.text) : undefined;
}
