import { constants as fsConstants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { isInside, OUTSIDE_REASON } from './containment';
import { describeFsError } from './fsErrors';

export type ReadOutcome = { ok: true; text: string; size: number; mtimeMs: number } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why a path that is neither a file nor a folder is not read: reading a named pipe waits forever. */
export const NOT_A_REGULAR_FILE = 'not a regular file (a pipe, socket or device)';

/** Why a file is refused when what was opened is not what its name resolves to inside the folder. */
export const SWAPPED_REASON = 'replaced while being read (a link to outside the folder?)';

/**
 * Reads a document as UTF-8 text, refusing binary, undecodable and over-size files with a reason.
 *
 * With `containedIn` (the folder's real path), the file is opened once and every check is made on that open
 * descriptor, not on the name: a file swapped for a link to outside between a check and the read is refused, never
 * read. Non-blocking open, so a named pipe with a doc's name is refused instead of waiting forever.
 */
export async function readDocument(absolutePath: string, maxBytes: number, containedIn?: string): Promise<ReadOutcome> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(absolutePath, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === 'ENXIO' || code === 'EOPNOTSUPP') return { ok: false, reason: NOT_A_REGULAR_FILE };
    if (containedIn && code === 'ENOENT' && (await fs.lstat(absolutePath).catch(() => undefined))?.isSymbolicLink())
      return { ok: false, reason: 'broken symlink' };
    return { ok: false, reason: `unreadable: ${describeFsError(error)}` };
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { ok: false, reason: NOT_A_REGULAR_FILE };
    if (containedIn) {
      const refused = await descriptorOutside(handle, stat, containedIn, absolutePath);
      if (refused) return { ok: false, reason: refused };
    }
    if (stat.size > maxBytes) {
      return { ok: false, reason: `over the size limit (${formatBytes(stat.size)} > ${formatBytes(maxBytes)})` };
    }
    let bytes: Buffer;
    try {
      bytes = await handle.readFile();
    } catch (error) {
      return { ok: false, reason: `unreadable: ${describeFsError(error)}` };
    }
    return decodeDocument(bytes, stat.mtimeMs);
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * Why the open descriptor is not a file inside `realRoot`, or undefined when it is. On Linux the kernel names the
 * descriptor's file (`/proc/self/fd`); elsewhere the name is resolved after opening and must lead to the very file
 * opened (same device and inode), so a swap before or after the open is caught either way.
 */
async function descriptorOutside(
  handle: fs.FileHandle,
  opened: Stats,
  realRoot: string,
  absolutePath: string,
): Promise<string | undefined> {
  const kernelPath = await fs.readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
  if (kernelPath !== undefined && path.isAbsolute(kernelPath)) return isInside(realRoot, kernelPath) ? undefined : OUTSIDE_REASON;
  const realPath = await fs.realpath(absolutePath).catch(() => undefined);
  if (!realPath) return SWAPPED_REASON;
  if (!isInside(realRoot, realPath)) return OUTSIDE_REASON;
  const named = await fs.stat(realPath).catch(() => undefined);
  return named && named.dev === opened.dev && named.ino === opened.ino ? undefined : SWAPPED_REASON;
}

export function decodeDocument(bytes: Uint8Array, mtimeMs = 0): ReadOutcome {
  // UTF-16 text (what some Windows tools save) is full of NUL bytes, but its byte order mark says what it is.
  const utf16 = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : undefined;
  if (utf16) {
    try {
      return { ok: true, text: new TextDecoder(utf16, { fatal: true }).decode(bytes.subarray(2)), size: bytes.length, mtimeMs };
    } catch {
      return { ok: false, reason: `not valid ${utf16.toUpperCase()}` };
    }
  }
  if (looksBinary(bytes)) return { ok: false, reason: 'binary content' };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: 'not valid UTF-8' };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ok: true, text, size: bytes.length, mtimeMs };
}

/** A NUL byte in the first 8 KB is what git and most editors take as the sign of a binary file. */
function looksBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 8192);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true;
  return false;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Splits text into lines, accepting LF, CRLF and lone CR endings; line i of the result is line i+1 of the file. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}
