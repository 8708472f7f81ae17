import { statSync } from 'node:fs';
import path from 'node:path';
import { notebookCellsIn } from '../chunking/notebookLines';
import { RecentlyUsed } from '../recentlyUsed';
import { type DiscoveryOptions, filterDocumentPaths, realFolder } from '../discovery/discover';
import { readDocument, splitLines } from '../discovery/readDocument';
import { readLimitFor } from '../discovery/readLimits';
import { type FileSecrets, redactPassages, secretsOfFile } from '../secrets/redactSecrets';
import { citationOf } from './searchDocs';
import { ToolInputError } from './toolInputError';
import { fitToTokens, parseMaxTokens } from './tokenBudget';

export interface ReadDocInput {
  /** Relative to the folder, `/`-separated, as search results give it. */
  path: string;
  /** 1-based, inclusive; default 1. */
  startLine?: number;
  /** 1-based, inclusive; default startLine + MAX_LINES - 1, or the end of the file. */
  endLine?: number;
  /** The most tokens of text returned: the read ends at a whole line and says where to read on. */
  maxTokens?: number;
}

/** A notebook cell within the lines read (`read_doc` on a notebook gives cells, never the JSON they are kept in). */
export interface DocCell {
  /** 1-based, as Jupyter numbers cells. */
  cell: number;
  kind: string;
  startLine: number;
  endLine: number;
}

export interface DocLines {
  citation: string;
  path: string;
  folder?: string;
  startLine: number;
  endLine: number;
  totalLines: number;
  text: string;
  /** For a notebook: the cells the text is made of, in order. */
  cells?: DocCell[];
  /** Set when fewer lines than asked were returned, saying why. */
  note?: string;
}

/** Most lines one read returns, so an agent cannot pull a whole large file into its context by accident. */
export const MAX_LINES = 400;

export interface DocFolder {
  root: string;
  name?: string;
  discovery?: DiscoveryOptions;
  /** The index's size limit: a larger file is refused here as the index skips it. */
  maxFileBytes?: number;
  /** Redact secret-shaped strings in what the tools return (default true: what a tool returns reaches an agent). */
  redactSecrets?: boolean;
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
  return { path: value.path.trim(), startLine, endLine, maxTokens: parseMaxTokens(value.maxTokens) };
}

/** A doc the index would read, read whole: its path as the folder sees it, its folder, and its lines. */
export interface AllowedDoc {
  relPath: string;
  folder: DocFolder;
  raw: string;
  lines: string[];
}

/**
 * Reads a doc under the same rules as the index: only a file the index would read (inside the folder, not ignored,
 * not a credential, not over the size limit, no link to outside, even one swapped in mid-read) is read; anything
 * else is refused with the reason.
 */
export async function readAllowedDoc(folders: DocFolder[], inputPath: string): Promise<AllowedDoc> {
  const relPath = normalize(inputPath, folders);
  for (const folder of folders) {
    const allowed = await filterDocumentPaths(folder.root, [relPath], folder.discovery);
    const file = allowed.files[0];
    if (!file) continue;
    // One descriptor, checked to be inside the folder: a file swapped for a link to outside is refused, not read.
    const containedIn = folder.discovery?.followExternalSymlinks ? undefined : await realFolder(folder.root);
    const read = await readDocument(file.absolutePath, readLimitFor(relPath, folder.maxFileBytes), containedIn);
    if (!read.ok) throw new ToolInputError(`${relPath} cannot be read: ${read.reason}`);
    const lines = splitLines(read.text);
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    return { relPath, folder, raw: read.text, lines };
  }
  throw new ToolInputError(
    `${relPath} is not a document Groundwork reads: it is missing, outside the folder, ignored, a credential file, or not a doc type`,
  );
}

/** Exact lines of a doc (a notebook's as its cells), at most MAX_LINES and `maxTokens` at a time. */
export async function readDocLines(folders: DocFolder[], input: ReadDocInput): Promise<DocLines> {
  const doc = await readAllowedDoc(folders, input.path);
  const { lines, relPath } = doc;
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
  return withSecretsRedacted(docLinesOf(doc, folders, { startLine, endLine }, input.maxTokens, note), doc);
}

/**
 * What a tool returns reaches an agent: secret-shaped strings are redacted (found in the whole file, so that part of
 * a key is redacted too), and the note says what and where.
 */
export async function withSecretsRedacted<T extends DocLines>(lines: T, doc: AllowedDoc): Promise<T> {
  if (doc.folder.redactSecrets === false) return lines;
  // The whole file is scanned only when the lines may hold part of a key (see `redactPassages`).
  const { passages, note } = await redactPassages([{ path: lines.path, startLine: lines.startLine, text: lines.text }], () =>
    secretsOfFile(doc.raw),
  );
  if (!note) return lines;
  return { ...lines, text: passages[0].text, note: [lines.note, note].filter(Boolean).join(' ') };
}

/**
 * Lines `span` of an allowed doc as a tool returns them: a notebook's as its cells' markdown and code, and cut at a
 * whole line to fit `maxTokens`, saying where to read on.
 */
export function docLinesOf(
  doc: AllowedDoc,
  folders: DocFolder[],
  span: { startLine: number; endLine: number },
  maxTokens: number | undefined,
  note?: string,
): DocLines {
  const { relPath } = doc;
  const cells = relPath.toLowerCase().endsWith('.ipynb') ? notebookCellsIn(doc.raw, span.startLine, span.endLine) : undefined;
  // A notebook is shown as cells, each headed by its number and kind; code is fenced as code.
  const pieces: Array<{ endLine: number; text: string }> = cells
    ? cells.map((c) => ({
        endLine: c.endLine,
        text: `[cell ${c.cell}, ${c.kind}, lines ${c.startLine}-${c.endLine}]\n${c.kind === 'markdown' ? c.text : `\`\`\`\n${c.text}\n\`\`\``}`,
      }))
    : doc.lines.slice(span.startLine - 1, span.endLine).map((text, i) => ({ endLine: span.startLine + i, text }));
  const fitted = fitToTokens(
    pieces.map((p) => p.text),
    maxTokens,
  );
  const kept = pieces.slice(0, Math.max(1, fitted.kept));
  const endLine = fitted.cut ? kept[kept.length - 1].endLine : span.endLine;
  const budgetNote = fitted.cut ? `Cut at line ${endLine} to fit ${maxTokens} tokens; read on from line ${endLine + 1}.` : undefined;
  const includedCells = cells
    ?.slice(0, kept.length)
    .map(({ cell, kind, startLine, endLine: end }) => ({ cell, kind, startLine, endLine: end }));
  return {
    citation: citationOf({ path: relPath, startLine: span.startLine, endLine }),
    path: relPath,
    ...(doc.folder.name && folders.length > 1 ? { folder: doc.folder.name } : {}),
    startLine: span.startLine,
    endLine,
    totalLines: doc.lines.length,
    text: kept.map((p) => p.text).join(cells ? '\n\n' : '\n'),
    ...(includedCells ? { cells: includedCells } : {}),
    ...(budgetNote || note ? { note: [note, budgetNote].filter(Boolean).join(' ') } : {}),
  };
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

/** Files whose secrets are remembered, by size and time: a long-running server scans each file once. */
const SECRETS_CACHE_FILES = 500;

/**
 * The secrets of the docs in `folders`, file by file (see `secretsOfFile`), read under the same rules as every
 * docs read and remembered while the file is unchanged: a file whose size, time and inode still match what was
 * read is not read again (the fragments only ever remove text, so a stale entry can leak nothing of the file).
 */
export function fileSecretsIn(folders: DocFolder[]): (path: string) => Promise<FileSecrets | undefined> {
  const cache = new RecentlyUsed<string, { file: string; stamp: string; secrets: FileSecrets }>(SECRETS_CACHE_FILES);
  // A stat is microseconds; done synchronously, a search does not wait behind other requests for the thread pool.
  const stampOf = (file: string) => {
    const stat = statSync(file, { throwIfNoEntry: false });
    return stat && `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  };
  return async (relPath) => {
    const known = cache.get(relPath);
    if (known && stampOf(known.file) === known.stamp) return known.secrets;
    // Stamped before the read, so a file that changes while it is read is read again next time.
    const stamps = new Map<string, string | undefined>();
    try {
      const normalized = normalize(relPath, folders);
      for (const folder of folders) stamps.set(folder.root, stampOf(path.join(folder.root, normalized)));
    } catch {
      return undefined;
    }
    const doc = await readAllowedDoc(folders, relPath).catch(() => undefined);
    if (!doc) return undefined;
    const secrets = await secretsOfFile(doc.raw);
    const stamp = stamps.get(doc.folder.root);
    cache.delete(relPath);
    if (stamp) cache.set(relPath, { file: path.join(doc.folder.root, doc.relPath), stamp, secrets });
    return secrets;
  };
}
