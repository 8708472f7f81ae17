import type { IndexedChunk, SearchIndex } from '../retrieval/searchIndex';
import type { Manifest } from './manifest';
import { chunkIdsOf, pathOfChunkId, toIndexedChunk, toStoredChunk } from './storedChunk';
import type { StoredChunk, VectraShards } from './vectraShards';

/**
 * One shard's items checked against the manifest: `orphans`, items no file lists (or listed twice); `shardBroken`,
 * files of the shard whose items are malformed, cut from other content than the manifest records, or missing;
 * `valid`, the chunks read whole (the caller keeps those of the files it loads); `seen`, every listed item found.
 */
export function auditShard(
  items: StoredChunk[],
  files: string[],
  manifest: Manifest,
  dimensions: number,
): { orphans: string[]; seen: Set<string>; shardBroken: Set<string>; valid: IndexedChunk[] } {
  const orphans: string[] = [];
  const seen = new Set<string>();
  const shardBroken = new Set<string>();
  const valid: IndexedChunk[] = [];
  for (const item of items) {
    const path = typeof item?.id === 'string' ? pathOfChunkId(item.id) : '';
    const entry = manifest.files[path];
    const ordinal = Number(item?.id?.slice(path.length + 1));
    if (!entry || !Number.isInteger(ordinal) || ordinal >= entry.chunks || seen.has(item.id)) {
      orphans.push(item?.id);
      continue;
    }
    seen.add(item.id);
    const chunk = toIndexedChunk(item);
    if (!chunk || chunk.path !== path || chunk.vector.length !== dimensions || item.metadata.fileHash !== entry.hash) {
      shardBroken.add(path);
      continue;
    }
    valid.push(chunk);
  }
  // Every chunk a file of this shard should have must be here.
  for (const path of files) {
    if (chunkIdsOf(path, manifest.files[path].chunks).some((id) => !seen.has(id))) shardBroken.add(path);
  }
  return { orphans, seen, shardBroken, valid };
}

/** What memory holds for one shard's files (except `excluded`), in the shard's own format: to write it again. */
export function storedChunksOfShard(
  memory: SearchIndex,
  manifest: Manifest,
  shards: VectraShards,
  shard: number,
  excluded: Set<string>,
): StoredChunk[] {
  const items: StoredChunk[] = [];
  for (const { chunk, vector } of memory.allChunksWithVectors()) {
    const hash = manifest.files[chunk.path]?.hash;
    if (hash && shards.shardFor(chunk.path) === shard && !excluded.has(chunk.path)) items.push(toStoredChunk({ ...chunk, vector }, hash));
  }
  return items;
}
