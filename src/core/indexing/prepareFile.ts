import { promises as fs } from 'node:fs';
import { chunkDocument, type ChunkSizing } from '../chunking/chunkDocument';
import type { KnownTokenCounts } from '../chunking/splitOutline';
import { readDocument } from '../discovery/readDocument';
import { readLimitFor } from '../discovery/readLimits';
import { contentHash } from '../hash';
import type { Chunk } from '../types';

export interface KnownFile {
  hash: string;
  size: number;
  mtimeMs: number;
}

export interface PrepareRequest {
  path: string;
  absolutePath: string;
  /** The folder's real path: a file whose real path is not below it is refused (unless external links are allowed). */
  containedIn?: string;
  maxBytes: number;
  sizing?: ChunkSizing;
  known?: KnownFile;
  /** The token counts of the file's indexed chunks, by text (see `KnownTokenCounts`). */
  knownTokens?: KnownTokenCounts;
}

export type PreparedFile =
  | { state: 'unchanged' }
  | { state: 'same-content'; size: number; mtimeMs: number }
  | { state: 'failed'; reason: string }
  | { state: 'changed'; hash: string; size: number; mtimeMs: number; chunks: Chunk[] };

/**
 * Everything indexing does to one file before embedding: skip it if size and mtime match what is indexed,
 * read and decode it, compare its content hash, and chunk it. Pure CPU and file reads, so it can run in a
 * worker thread alongside the embedding and storage of other files.
 */
export async function prepareFile(request: PrepareRequest): Promise<PreparedFile> {
  const { known } = request;
  if (known) {
    const stat = await fs.stat(request.absolutePath).catch(() => undefined);
    if (stat && stat.size === known.size && stat.mtimeMs === known.mtimeMs) return { state: 'unchanged' };
  }
  const limit = readLimitFor(request.path, request.maxBytes);
  // Contained: read through one descriptor checked to be inside the folder (a swap for a link is refused).
  const read = await readDocument(request.absolutePath, limit, request.containedIn);
  if (!read.ok) return { state: 'failed', reason: read.reason };
  const hash = contentHash(read.text);
  if (known && known.hash === hash) return { state: 'same-content', size: read.size, mtimeMs: read.mtimeMs };
  try {
    return {
      state: 'changed',
      hash,
      size: read.size,
      mtimeMs: read.mtimeMs,
      chunks: chunkDocument(request.path, read.text, request.sizing, request.knownTokens),
    };
  } catch (error) {
    return { state: 'failed', reason: (error as Error).message };
  }
}
