import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SkippedFile } from '../types';

/**
 * Bumped whenever the on-disk layout or the chunking changes meaning; an index of another version is rebuilt,
 * except from a version `readManifest` can migrate. 2: chunk counts instead of chunk id lists (a third of the
 * size, parsed on every open).
 */
export const SCHEMA_VERSION = 2;
export const MANIFEST_FILE = 'manifest.json';

export interface IndexedFileEntry {
  hash: string;
  size: number;
  mtimeMs: number;
  /** The file's chunks have the ids `path#0` to `path#(chunks - 1)`. */
  chunks: number;
}

/** The index's record of what it holds. It is written last, atomically: it is the commit point of every update. */
export interface Manifest {
  schemaVersion: number;
  embedderId: string;
  dimensions: number;
  /** Chunking settings; a change means every file must be chunked again. */
  chunking: string;
  shardCount: number;
  files: Record<string, IndexedFileEntry>;
  skipped: SkippedFile[];
  updatedAt: string;
}

export function emptyManifest(embedderId: string, dimensions: number, chunking: string, shardCount: number): Manifest {
  return {
    schemaVersion: SCHEMA_VERSION,
    embedderId,
    dimensions,
    chunking,
    shardCount,
    files: {},
    skipped: [],
    updatedAt: new Date().toISOString(),
  };
}

/** Far more shards than any layout uses; a larger count in a manifest is damage. */
const MAX_SHARDS = 4096;

export type ManifestRead = { state: 'missing' } | { state: 'corrupt'; reason: string } | { state: 'ok'; manifest: Manifest };

export async function readManifest(dir: string): Promise<ManifestRead> {
  let raw: string;
  try {
    raw = await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'corrupt', reason: `unreadable manifest: ${(error as Error).message}` };
  }
  try {
    const manifest = JSON.parse(raw) as Manifest;
    if (typeof manifest !== 'object' || manifest === null || typeof manifest.files !== 'object' || !Array.isArray(manifest.skipped)) {
      return { state: 'corrupt', reason: 'manifest has an unexpected shape' };
    }
    // The shard layout is read from here: a bad count would send chunks to shards that cannot exist.
    if (!Number.isInteger(manifest.shardCount) || manifest.shardCount < 1 || manifest.shardCount > MAX_SHARDS) {
      return { state: 'corrupt', reason: `manifest has an invalid shard count (${String(manifest.shardCount)})` };
    }
    if (manifest.schemaVersion === 1) migrateFromVersion1(manifest);
    return { state: 'ok', manifest };
  } catch {
    return { state: 'corrupt', reason: 'manifest is not valid JSON (half-written?)' };
  }
}

/** Version 1 listed each file's chunk ids, which were always `path#0` .. `path#(n-1)`; only their number is kept. */
function migrateFromVersion1(manifest: Manifest): void {
  for (const entry of Object.values(manifest.files) as Array<IndexedFileEntry & { chunkIds?: string[] }>) {
    entry.chunks = entry.chunkIds?.length ?? 0;
    delete entry.chunkIds;
  }
  manifest.schemaVersion = SCHEMA_VERSION;
}

/** Write-then-rename, so a crash leaves either the old manifest or the new one, never a torn file. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  manifest.updatedAt = new Date().toISOString();
  const target = path.join(dir, MANIFEST_FILE);
  const temp = `${target}.${process.pid}.tmp`;
  await fs.writeFile(temp, JSON.stringify(manifest));
  await fs.rename(temp, target);
}
