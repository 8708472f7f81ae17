import type { ChunkRecord } from '../retrieval/frozenIndex';
import type { IndexedChunk } from '../retrieval/searchIndex';

export interface IndexStoreOptions {
  /** Where the index lives. */
  indexDir: string;
  /** What the index must have been built with; anything else is rebuilt, with a message. */
  embedderId: string;
  dimensions: number;
  chunking: string;
  shardCount?: number;
  /** Receives one-line notices meant for the user (a rebuild and why, a repair). */
  log?: (message: string) => void;
  /** Open without taking the write lock: nothing on disk is changed (`status`). */
  readOnly?: boolean;
  /** How long to wait for another process's write lock before opening read-only. */
  lockWaitMs?: number;
  /** Start from an empty index (Rebuild Index), under the lock, instead of deleting the folder from outside. */
  rebuild?: boolean;
  /** Read and check every shard against the manifest, not only those whose stamp changed. */
  verifyShards?: boolean;
}

/**
 * What a commit does with a chunk: `same`, it is indexed under its id exactly as it is now (nothing written);
 * `moved`, only its lines changed (an edit above it); `new`, anything else (added, or its text changed).
 */
export type Placement = 'same' | 'moved' | 'new';

/** A file ready to be written: its chunks embedded, each with what the commit does with it. */
export interface FileToCommit {
  path: string;
  hash: string;
  size: number;
  mtimeMs: number;
  chunks: IndexedChunk[];
  placements: Placement[];
  /** The analyzed terms of each `new` chunk (the others keep theirs). */
  terms: Array<string[] | undefined>;
}

/** A file's chunks as the index holds them now. */
export type IndexedChunks = Array<{ id: string; chunk: ChunkRecord }>;
