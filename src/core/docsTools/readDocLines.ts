import path from 'node:path';
import { type DiscoveryOptions, filterDocumentPaths } from '../discovery/discover';
import { readDocument } from '../discovery/readDocument';
import { citationOf, ToolInputError } from './searchDocs';

export interface ReadDocInput {
  /** Relative to the folder, `/`-separated, as search results give it. */
  path: string;
  /** 1-based, inclusive; default 1. */
  startLine?: number;
  /** 1-based, inclusive; default startLine + MAX_LINES - 1, or the end of the file. */
  endLine?: number;
}

export interface DocLines {
  citation: string;
  path: string;
  folder?: string;
  startLine: number;
  endLine: number;
  totalLines: number;
  text: string;
  /** Set when fewer lines than asked were returned, saying why. */
  note?: string;
}

/** Most lines one read returns, so an agent cannot pull a whole large file into its context by accident. */
export const MAX_LINES = 400;

export interface DocFolder {
  root: string;
  name?: string;
  discovery?: DiscoveryOptions;
}

export function parseReadInput(input: unknown): ReadDocInput {
  const value = (input ?? {}) as Record<string, unknown>;
  if (typeof value.path !== 'string' || !value.path.trim()) throw new ToolInputError('path must be a file path relative to the folder');
  for (const key of ['startLine', 'endLine'] as const) {
    const n = value[key];
    if (n !== undefined && (typeof n !== 'number' || !Number.isInteger(n) || n < 1))
      throw new ToolInputError(`${key} must be a line number from 1`);
  }
  const startLine = value.startLine as number | undefined;
  const endLine = value.endLine as number | undefined;
  if (startLine !== undefined && endLine !== undefined && endLine < startLine)
    throw new ToolInputError('endLine must not be before startLine');
  return { path: value.path.trim(), startLine, endLine };
}

/**
 * Exact lines of a doc, under the same rules as the index: only a file the index would read (inside the folder,
 * not ignored, not a credential, no link to outside) is read; anything else is refused with the reason.
 */
export async function readDocLines(folders: DocFolder[], input: ReadDocInput): Promise<DocLines> {
  const relPath = normalize(input.path, folders);
  for (const folder of folders) {
    const allowed = await filterDocumentPaths(folder.root, [relPath], folder.discovery);
    const file = allowed.files[0];
    if (!file) continue;
    const read = await readDocument(file.absolutePath, Number.MAX_SAFE_INTEGER);
    if (!read.ok) throw new ToolInputError(`${relPath} cannot be read: ${read.reason}`);
    const lines = read.text.split(/\r?\n/);
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    const startLine = input.startLine ?? 1;
    if (startLine > lines.length) throw new ToolInputError(`${relPath} has ${lines.length} lines; startLine ${startLine} is past the end`);
    const wanted = input.endLine ?? startLine + MAX_LINES - 1;
    const endLine = Math.min(wanted, lines.length, startLine + MAX_LINES - 1);
    const note =
      endLine < wanted && input.endLine !== undefined
        ? endLine === lines.length
          ? `The file ends at line ${lines.length}.`
          : `At most ${MAX_LINES} lines are returned at once; read on from line ${endLine + 1}.`
        : undefined;
    return {
      citation: citationOf({ path: relPath, startLine, endLine }),
      path: relPath,
      ...(folder.name && folders.length > 1 ? { folder: folder.name } : {}),
      startLine,
      endLine,
      totalLines: lines.length,
      text: lines.slice(startLine - 1, endLine).join('\n'),
      ...(note ? { note } : {}),
    };
  }
  throw new ToolInputError(
    `${relPath} is not a document Groundwork reads: it is missing, outside the folder, ignored, a credential file, or not a doc type`,
  );
}

/** A path relative to one of the folders, or refused: no absolute paths elsewhere, no climbing out with `..`. */
function normalize(input: string, folders: DocFolder[]): string {
  let relPath = input.replace(/\\/g, '/');
  if (path.isAbsolute(relPath)) {
    const inside = folders.map((f) => path.relative(f.root, relPath)).find((rel) => rel && !rel.startsWith('..') && !path.isAbsolute(rel));
    if (!inside) throw new ToolInputError(`${input} is outside the workspace folder`);
    relPath = inside.replace(/\\/g, '/');
  }
  // A folder name first (as multi-folder results show it) is dropped when that folder has the file.
  const first = relPath.split('/')[0];
  if (folders.length > 1 && folders.some((f) => f.name === first)) relPath = relPath.slice(first.length + 1);
  const normalized = path.posix.normalize(relPath).replace(/^\.\//, '');
  if (normalized === '..' || normalized.startsWith('../') || normalized.startsWith('/'))
    throw new ToolInputError(`${input} is outside the workspace folder`);
  return normalized;
}
