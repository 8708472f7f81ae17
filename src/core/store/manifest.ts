import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ANALYZER_VERSION } from '../retrieval/analyzer';
import type { SkippedFile } from '../types';
import { version as GROUNDWORK_VERSION } from '../../../package.json';
import { writeDataAtomic } from './atomicWrite';

/**
 * Bumped whenever the on-disk layout or the chunking changes meaning; an index of another version is rebuilt,
 * with a message. 2: chunk counts instead of chunk id lists (a third of the
 * size, parsed on every open). 3: every stored chunk carries its file's content hash, and the manifest the
 * stamp of every shard it agrees with (an index of version 2 cannot prove its chunks match, so it is rebuilt).
 */

export const SCHEMA_VERSION = 3;
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
  /** The text analyzer's version; postings and offline vectors hold its terms. Absent before version 2. */
  analyzerVersion?: number;
  shardCount: number;
  files: Record<string, IndexedFileEntry>;
  skipped: SkippedFile[];
  /**
   * Size and modification time of each shard file as it was when this manifest was written, by shard number. A
   * shard that differs on open was written after (a crash before the manifest caught up) or damaged: it is
   * checked item by item instead of being trusted.
   */
  shardStamps: Record<string, string>;
  updatedAt: string;
  /** The Groundwork version that last wrote it, to name in a message to an older version that must not touch it. */
  writtenBy?: string;
}

export function emptyManifest(embedderId: string, dimensions: number, chunking: string, shardCount: number): Manifest {
  return {
    schemaVersion: SCHEMA_VERSION,
    embedderId,
    dimensions,
    chunking,
    analyzerVersion: ANALYZER_VERSION,
    shardCount,
    files: {},
    skipped: [],
    shardStamps: {},
    updatedAt: new Date().toISOString(),
  };
}

/** Far more shards than any layout uses; a larger count in a manifest is damage. */
const MAX_SHARDS = 4096;
/** Far more chunks than any file yields (a 2 MB file gives about 1,300); a larger count is damage. */
const MAX_CHUNKS_PER_FILE = 1_000_000;

export type ManifestRead =
  | { state: 'missing' }
  | { state: 'corrupt'; reason: string }
  /** `invalid`: entries that failed the check, dropped (their files are indexed again), with why. */
  | { state: 'ok'; manifest: Manifest; invalid: SkippedFile[] };

export async function readManifest(dir: string): Promise<ManifestRead> {
  let raw: string;
  try {
    raw = await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'corrupt', reason: `unreadable manifest: ${(error as Error).message}` };
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(raw) as Manifest;
  } catch {
    return { state: 'corrupt', reason: 'manifest is not valid JSON (half-written?)' };
  }
  if (!isRecord(manifest) || !isRecord(manifest.files) || !Array.isArray(manifest.skipped)) {
    return { state: 'corrupt', reason: 'manifest has an unexpected shape' };
  }
  if (typeof manifest.embedderId !== 'string' || !isCount(manifest.dimensions) || typeof manifest.chunking !== 'string') {
    return { state: 'corrupt', reason: 'manifest does not say how the index was built' };
  }
  // The shard layout is read from here: a bad count would send chunks to shards that cannot exist.
  if (!Number.isInteger(manifest.shardCount) || manifest.shardCount < 1 || manifest.shardCount > MAX_SHARDS) {
    return { state: 'corrupt', reason: `manifest has an invalid shard count (${String(manifest.shardCount)})` };
  }
  if (!isRecord(manifest.shardStamps)) manifest.shardStamps = {};
  manifest.skipped = manifest.skipped.filter((s) => isRecord(s) && typeof s.path === 'string' && typeof s.reason === 'string');
  const invalid: SkippedFile[] = [];
  for (const [file, entry] of Object.entries(manifest.files)) {
    const problem = entryProblem(entry);
    if (problem) {
      invalid.push({ path: file, reason: problem });
      delete manifest.files[file];
    }
  }
  return { state: 'ok', manifest, invalid };
}

/** Why a file's entry cannot be trusted, or undefined when it can. */
function entryProblem(entry: unknown): string | undefined {
  if (!isRecord(entry)) return 'its entry is not an object';
  if (typeof entry.hash !== 'string' || !/^[0-9a-f]{8,128}$/.test(entry.hash)) return 'its content hash is missing or malformed';
  if (!Number.isInteger(entry.size) || (entry.size as number) < 0) return `its size is invalid (${String(entry.size)})`;
  if (typeof entry.mtimeMs !== 'number' || !Number.isFinite(entry.mtimeMs)) return 'its modification time is invalid';
  if (!Number.isInteger(entry.chunks) || (entry.chunks as number) < 0 || (entry.chunks as number) > MAX_CHUNKS_PER_FILE)
    return `its chunk count is invalid (${String(entry.chunks)})`;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) > 0;
}

/** The commit point of an update: a crash leaves either the old manifest or the new one, never a torn file. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  manifest.updatedAt = new Date().toISOString();
  manifest.writtenBy = GROUNDWORK_VERSION;
  await writeDataAtomic(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest));
}

/** An index written by a newer Groundwork: this version neither rebuilds it (the newer one would rebuild it back) nor reads it. */
export class IndexFromNewerVersionError extends Error {
  constructor(indexDir: string, found: Pick<Manifest, 'schemaVersion' | 'analyzerVersion' | 'writtenBy'>) {
    super(
      `the index at ${indexDir} was written by a newer Groundwork (${found.writtenBy ? `${found.writtenBy}, ` : ''}index schema ` +
        `${found.schemaVersion}, text analyzer v${found.analyzerVersion ?? 1}); this version (${GROUNDWORK_VERSION}) reads schema ` +
        `${SCHEMA_VERSION} with analyzer v${ANALYZER_VERSION}, so it leaves that index as it is. Update Groundwork, or give this ` +
        'version an index folder of its own (--index).',
    );
  }
}

/** Whether a manifest was written by a newer version than this one (its layout or terms may be unknown here). */
export function isFromNewerVersion(found: Pick<Manifest, 'schemaVersion' | 'analyzerVersion'>): boolean {
  return found.schemaVersion > SCHEMA_VERSION || (found.analyzerVersion ?? 1) > ANALYZER_VERSION;
}
