import { ANALYZER_VERSION } from '../retrieval/analyzer';
import { emptyManifest, IndexFromNewerVersionError, isFromNewerVersion, type Manifest, readManifest, SCHEMA_VERSION } from './manifest';
import type { IndexStoreOptions } from './storeTypes';
import { VectraShards } from './vectraShards';

/**
 * Shards of a new index. An edit rewrites its file's whole shard (parse, serialize, compress): on cpp-docs, 256
 * shards of about 0.5 MB made an edit 30 to 40% faster than 64 shards of 2 MB, and the build faster too (fewer
 * bytes rewritten per shard commit). An existing index keeps the count its manifest records.
 */
export const DEFAULT_SHARDS = 256;

/**
 * The manifest an index opens with, and whether it must be rebuilt and why: missing, corrupt, or built another way
 * (schema, embedder, chunking, text analyzer, shard layout) is a fresh manifest, with a message; invalid entries in
 * a good one mark their shards as suspect, to be checked item by item. A newer version's index is left untouched.
 */
export async function openingManifest(
  options: IndexStoreOptions,
  log: (message: string) => void,
): Promise<{ manifest: Manifest; rebuild: boolean; suspectShards: Set<number> }> {
  const fresh = () => emptyManifest(options.embedderId, options.dimensions, options.chunking, options.shardCount ?? DEFAULT_SHARDS);
  const suspectShards = new Set<number>();
  const read = await readManifest(options.indexDir);
  if (options.rebuild || read.state === 'missing') return { manifest: fresh(), rebuild: true, suspectShards };
  if (read.state === 'corrupt') {
    log(`The index at ${options.indexDir} is corrupt (${read.reason}); rebuilding it.`);
    return { manifest: fresh(), rebuild: true, suspectShards };
  }
  const found = read.manifest;
  // A newer version's index is neither rebuilt (the two would rebuild it back and forth) nor read.
  if (isFromNewerVersion(found)) throw new IndexFromNewerVersionError(options.indexDir, found);
  const mismatch = mismatchOf(found, options);
  if (mismatch) {
    log(`Rebuilding the index: ${mismatch}.`);
    return { manifest: fresh(), rebuild: true, suspectShards };
  }
  if (read.invalid.length) {
    log(
      `Repairing the index: ${read.invalid.length} manifest entr${read.invalid.length === 1 ? 'y is' : 'ies are'} invalid ` +
        `(${read.invalid[0].path}: ${read.invalid[0].reason}); ${read.invalid.length === 1 ? 'that file' : 'those files'} will be indexed again.`,
    );
    const layout = new VectraShards(options.indexDir, found.shardCount);
    for (const entry of read.invalid) suspectShards.add(layout.shardFor(entry.path));
  }
  return { manifest: found, rebuild: false, suspectShards };
}

/** Why an index written another way cannot be read as this one, or undefined when it can. */
function mismatchOf(found: Manifest, options: IndexStoreOptions): string | undefined {
  if (found.schemaVersion !== SCHEMA_VERSION)
    return `it was written by index schema ${found.schemaVersion}, this version uses ${SCHEMA_VERSION}`;
  if (found.embedderId !== options.embedderId || found.dimensions !== options.dimensions)
    return `it was built with the embedder ${found.embedderId}, now ${options.embedderId} is selected`;
  if (found.chunking !== options.chunking) return 'the chunking settings changed';
  if ((found.analyzerVersion ?? 1) !== ANALYZER_VERSION)
    return `it was built with text analyzer v${found.analyzerVersion ?? 1}, this version reads text with v${ANALYZER_VERSION} (compounds and abbreviations)`;
  if (options.shardCount !== undefined && found.shardCount !== options.shardCount) return 'the shard layout changed';
  return undefined;
}
