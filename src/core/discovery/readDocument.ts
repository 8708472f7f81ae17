import { promises as fs } from 'node:fs';

export type ReadOutcome = { ok: true; text: string; size: number; mtimeMs: number } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why a path that is neither a file nor a folder is not read: reading a named pipe waits forever. */
export const NOT_A_REGULAR_FILE = 'not a regular file (a pipe, socket or device)';

/** Reads a document as UTF-8 text, refusing binary, undecodable and over-size files with a reason. */
export async function readDocument(absolutePath: string, maxBytes: number): Promise<ReadOutcome> {
  let stat;
  try {
    stat = await fs.stat(absolutePath);
  } catch (error) {
    return { ok: false, reason: `unreadable: ${describeFsError(error)}` };
  }
  if (!stat.isFile()) return { ok: false, reason: NOT_A_REGULAR_FILE };
  if (stat.size > maxBytes) {
    return { ok: false, reason: `over the size limit (${formatBytes(stat.size)} > ${formatBytes(maxBytes)})` };
  }
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(absolutePath);
  } catch (error) {
    return { ok: false, reason: `unreadable: ${describeFsError(error)}` };
  }
  return decodeDocument(bytes, stat.mtimeMs);
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

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return error instanceof Error ? error.message : String(error);
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
