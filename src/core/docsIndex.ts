import { promises as fs } from 'node:fs';
import { type ChunkSizing, DEFAULT_CHUNK_SIZING } from './chunking/chunkDocument';
import { type DiscoveryOptions, type DiscoveryResult, discoverDocuments, filterDocumentPaths } from './discovery/discover';
import type { Embedder } from './embedding/embedder';
import { type PreparedFile } from './prepareFile';
import { inlineFileProcessor, type WorkerScript, WorkerFileProcessor } from './worker/fileProcessor';
import { analyze } from './retrieval/analyzer';
import { type IndexedChunk, SearchIndex, type SearchOptions, searchableText } from './retrieval/searchIndex';
import { emptyManifest, type Manifest, readManifest, SCHEMA_VERSION, writeManifest } from './store/manifest';
import { type StoredChunk, VectraShards } from './store/vectraShards';
import type { Chunk, ProgressReporter, SearchResult, SkippedFile } from './types';

export interface DocsIndexOptions {
  /** The folder whose documents are indexed. */
  root: string;
  /** Where the index lives. */
  indexDir: string;
  embedder: Embedder;
  discovery?: DiscoveryOptions;
  /** Larger files are skipped with a reason. */
  maxFileBytes?: number;
  chunkSizing?: ChunkSizing;
  shardCount?: number;
  /** Receives one-line notices meant for the user (a rebuild and why, a repair). */
  log?: (message: string) => void;
  /** Runs reading and chunking in a worker thread, in parallel with embedding and storage. */
  chunkWorker?: WorkerScript;
}

export interface UpdateOptions {
  signal?: AbortSignal;
  progress?: ProgressReporter;
  /**
   * Only these paths (relative to the root; files or folders) changed, as a file watcher reports them: skip the
   * walk of the whole folder. Without it, the whole folder is compared with the index.
   */
  paths?: string[];
}

export interface UpdateSummary {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  skipped: number;
  chunks: number;
  cancelled: boolean;
}

export interface IndexStatus {
  root: string;
  indexDir: string;
  files: number;
  chunks: number;
  skipped: SkippedFile[];
  embedder: string;
  dimensions: number;
  sizeOnDiskBytes: number;
  updatedAt: string;
}

export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;
const DEFAULT_SHARDS = 64;
/**
 * A long build commits its progress to disk this often, so a cancel or crash keeps it. Each commit rewrites the
 * shards it touches, so committing more often would make a large build quadratic.
 */
const COMMIT_AFTER_MS = 20_000;
/** Updates of at most this many files are prepared in this thread; larger ones in chunking workers. */
const INLINE_UP_TO_FILES = 100;
/** Files read ahead of the one being chunked, so disk reads overlap CPU work. */
const READ_AHEAD = 16;
const EMBED_BATCH = 256;
/** Long loops hand the event loop back this often so an editor host hosting them stays responsive. */
const YIELD_INTERVAL_MS = 15;

interface PendingFile {
  path: string;
  hash: string;
  size: number;
  mtimeMs: number;
  chunks: Chunk[];
}

/**
 * One folder's index: discovery, chunking, embedding and storage, kept current incrementally by content hash,
 * and searched in memory. Every update commits shard files first and the manifest last, so what the manifest
 * reports is always on disk; on open, anything else is detected and repaired.
 */
export class DocsIndex {
  private constructor(
    private readonly options: DocsIndexOptions,
    private manifest: Manifest,
    private readonly shards: VectraShards,
    private readonly memory: SearchIndex,
  ) {}

  static async open(options: DocsIndexOptions): Promise<DocsIndex> {
    const log = options.log ?? (() => {});
    const sizing = options.chunkSizing ?? DEFAULT_CHUNK_SIZING;
    const chunking = `${sizing.maxTokens}/${sizing.overlapLines}/${sizing.mergeSectionsUpTo ?? 0}`;
    const shardCount = options.shardCount ?? DEFAULT_SHARDS;
    const { embedder } = options;
    const fresh = () => emptyManifest(embedder.id, embedder.dimensions, chunking, shardCount);

    const read = await readManifest(options.indexDir);
    let manifest: Manifest;
    let rebuild = false;
    if (read.state === 'missing') {
      manifest = fresh();
      rebuild = true;
    } else if (read.state === 'corrupt') {
      log(`The index at ${options.indexDir} is corrupt (${read.reason}); rebuilding it.`);
      manifest = fresh();
      rebuild = true;
    } else {
      const found = read.manifest;
      const mismatch =
        found.schemaVersion !== SCHEMA_VERSION
          ? `it was written by index schema ${found.schemaVersion}, this version uses ${SCHEMA_VERSION}`
          : found.embedderId !== embedder.id || found.dimensions !== embedder.dimensions
            ? `it was built with the embedder ${found.embedderId}, now ${embedder.id} is selected`
            : found.chunking !== chunking
              ? 'the chunking settings changed'
              : found.shardCount !== shardCount
                ? 'the shard layout changed'
                : undefined;
      if (mismatch) log(`Rebuilding the index: ${mismatch}.`);
      manifest = mismatch ? fresh() : found;
      rebuild = Boolean(mismatch);
    }
    if (rebuild) await clearIndexFiles(options.indexDir);

    const shards = await VectraShards.open(options.indexDir, shardCount);
    const memory = new SearchIndex(embedder.dimensions);
    const index = new DocsIndex(options, manifest, shards, memory);
    await index.loadAndRepair(log);
    if (rebuild) await writeManifest(options.indexDir, manifest);
    return index;
  }

  /** Loads every shard into memory and reconciles it with the manifest: the manifest is the truth. */
  private async loadAndRepair(log: (message: string) => void): Promise<void> {
    const expected = new Map<string, string>();
    for (const [path, entry] of Object.entries(this.manifest.files)) for (const id of entry.chunkIds) expected.set(id, path);
    const brokenFiles = new Set<string>();
    for (let shard = 0; shard < this.shards.count; shard++) {
      const loaded = await this.shards.load(shard);
      if (!loaded.ok) {
        log(`Index shard ${shard} is unreadable (${loaded.reason}); its files will be indexed again.`);
        await this.shards.recreate(shard);
        for (const path of Object.keys(this.manifest.files)) if (this.shards.shardFor(path) === shard) brokenFiles.add(path);
        continue;
      }
      const orphans: string[] = [];
      for (const item of loaded.items) {
        const chunk = toIndexedChunk(item);
        if (!chunk || expected.get(item.id) !== chunk.path || chunk.vector.length !== this.memory.dimensions) {
          orphans.push(item.id);
          if (chunk && expected.get(item.id)) brokenFiles.add(chunk.path);
          continue;
        }
        this.memory.add(chunk);
      }
      if (orphans.length) await this.shards.apply(shard, orphans, []);
    }
    for (const [id, path] of expected) if (!this.memory.has(id)) brokenFiles.add(path);
    if (brokenFiles.size) {
      log(`Repaired the index: ${brokenFiles.size} file(s) did not match what was stored and will be indexed again.`);
      for (const path of brokenFiles) {
        for (const id of this.manifest.files[path]?.chunkIds ?? []) this.memory.remove(id);
        delete this.manifest.files[path];
      }
      await writeManifest(this.options.indexDir, this.manifest);
    }
  }

  /** Brings the index up to date with the folder: only added, changed and removed files are touched. */
  async update(options: UpdateOptions = {}): Promise<UpdateSummary> {
    const { signal, progress } = options;
    const summary: UpdateSummary = { added: 0, changed: 0, removed: 0, unchanged: 0, skipped: 0, chunks: 0, cancelled: false };
    let discovered: DiscoveryResult;
    let removals: string[];
    let skipped: SkippedFile[];
    if (options.paths) {
      const touched = options.paths.map((p) => p.replace(/\\/g, '/').replace(/\/+$/, ''));
      const files = await filterDocumentPaths(this.options.root, touched, this.options.discovery);
      discovered = { files, skipped: [] };
      const present = new Set(files.map((f) => f.path));
      const affected = (path: string) => touched.some((t) => path === t || path.startsWith(`${t}/`));
      removals = Object.keys(this.manifest.files).filter((path) => affected(path) && !present.has(path));
      // Earlier skip reasons stand, except for the paths looked at now.
      skipped = this.manifest.skipped.filter((s) => !affected(s.path));
    } else {
      discovered = await discoverDocuments(this.options.root, this.options.discovery);
      const present = new Set(discovered.files.map((f) => f.path));
      removals = Object.keys(this.manifest.files).filter((path) => !present.has(path));
      skipped = [...discovered.skipped];
    }
    const maxBytes = this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;

    let pending: PendingFile[] = [];
    let pendingRemovals: string[] = removals;
    let lastCommit = Date.now();
    let lastYield = Date.now();
    let done = 0;
    const total = discovered.files.length;

    // Starting chunking threads costs more than it saves on a few files (a watcher's edit): those go inline.
    const useWorkers = this.options.chunkWorker && total > INLINE_UP_TO_FILES;
    const processor = useWorkers ? new WorkerFileProcessor(this.options.chunkWorker!) : inlineFileProcessor;
    const sizing = this.options.chunkSizing;
    const reads = new Map<number, Promise<PreparedFile>>();
    const readAt = (i: number) => {
      let read = reads.get(i);
      if (!read && i < total) {
        const file = discovered.files[i];
        const known = this.manifest.files[file.path];
        read = processor.prepare({ path: file.path, absolutePath: file.absolutePath, maxBytes, sizing, known });
        reads.set(i, read);
      }
      return read;
    };
    try {
      for (let i = 0; i < total; i++) {
        if (signal?.aborted) {
          summary.cancelled = true;
          break;
        }
        if (Date.now() - lastYield > YIELD_INTERVAL_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = Date.now();
        }
        for (let ahead = i; ahead < Math.min(total, i + READ_AHEAD); ahead++) readAt(ahead);
        const file = discovered.files[i];
        const prepared = await readAt(i)!;
        reads.delete(i);
        done++;
        const known = this.manifest.files[file.path];
        progress?.({ done, total, message: file.path });
        if (prepared.state === 'unchanged') {
          summary.unchanged++;
        } else if (prepared.state === 'same-content') {
          known.size = prepared.size;
          known.mtimeMs = prepared.mtimeMs;
          summary.unchanged++;
        } else if (prepared.state === 'failed') {
          skipped.push({ path: file.path, reason: prepared.reason });
          if (known) pendingRemovals.push(file.path);
        } else {
          pending.push({ path: file.path, hash: prepared.hash, size: prepared.size, mtimeMs: prepared.mtimeMs, chunks: prepared.chunks });
          if (known) summary.changed++;
          else summary.added++;
        }
        if (pending.length && Date.now() - lastCommit > COMMIT_AFTER_MS) {
          await this.commit(pending, pendingRemovals, skipped, signal, false);
          pending = [];
          pendingRemovals = [];
          lastCommit = Date.now();
        }
      }
    } finally {
      await processor.dispose();
    }
    // Reads started ahead of a cancel still settle; nothing waits on them.
    for (const read of reads.values()) void read.catch(() => undefined);
    await this.commit(pending, pendingRemovals, skipped, summary.cancelled ? undefined : signal, true);
    summary.removed = removals.length;
    summary.skipped = skipped.length;
    summary.chunks = this.memory.size;
    progress?.({ done: total, total });
    return summary;
  }

  /** Embeds pending files, writes their shards, then the manifest; memory is updated only after the disk. */
  private async commit(
    pending: PendingFile[],
    removals: string[],
    skipped: SkippedFile[],
    signal: AbortSignal | undefined,
    final: boolean,
  ): Promise<void> {
    if (!pending.length && !removals.length && !final) return;
    // Embed in batches, keeping only the compact result of each: peak memory stays near the size of the index.
    const inserted: IndexedChunk[] = [];
    const terms: string[][] = [];
    const all = pending.flatMap((file) => file.chunks.map((chunk, i) => ({ chunk, id: `${file.path}#${i}` })));
    for (let i = 0; i < all.length; i += EMBED_BATCH) {
      const batch = all.slice(i, i + EMBED_BATCH);
      const texts = batch.map(({ chunk }) => searchableText(chunk));
      const vectors = await this.options.embedder.embed(texts, signal);
      batch.forEach(({ chunk, id }, j) => inserted.push({ ...chunk, id, vector: roundVector(vectors[j]) }));
      // Analyzed now, while the embedder's analysis of the same texts is still cached.
      for (const text of texts) terms.push(analyze(text));
      await new Promise((resolve) => setImmediate(resolve));
    }

    const byShard = new Map<number, { remove: string[]; insert: IndexedChunk[] }>();
    const shardWork = (path: string) => {
      const shard = this.shards.shardFor(path);
      let work = byShard.get(shard);
      if (!work) byShard.set(shard, (work = { remove: [], insert: [] }));
      return work;
    };
    for (const path of [...removals, ...pending.map((f) => f.path)]) {
      shardWork(path).remove.push(...(this.manifest.files[path]?.chunkIds ?? []));
    }
    for (const chunk of inserted) shardWork(chunk.path).insert.push(chunk);
    // Vectra's items (plain number arrays) are built one shard at a time, just before that shard is written.
    for (const [shard, work] of byShard) await this.shards.apply(shard, work.remove, work.insert.map(toStoredChunk));

    for (const work of byShard.values()) for (const id of work.remove) this.memory.remove(id);
    inserted.forEach((chunk, i) => this.memory.add(chunk, terms[i]));
    for (const path of removals) delete this.manifest.files[path];
    for (const file of pending) {
      this.manifest.files[file.path] = {
        hash: file.hash,
        size: file.size,
        mtimeMs: file.mtimeMs,
        chunkIds: file.chunks.map((_, i) => `${file.path}#${i}`),
      };
    }
    if (final) this.manifest.skipped = skipped;
    await writeManifest(this.options.indexDir, this.manifest);
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    const [vector] = await this.options.embedder.embed([query]);
    return this.memory.search(query, vector, options);
  }

  /** Search without a query vector: lexical only, no embedder call (used where a network round trip is too slow). */
  searchLexical(query: string, options: SearchOptions = {}): SearchResult[] {
    return this.memory.search(query, undefined, options);
  }

  async status(): Promise<IndexStatus> {
    return {
      root: this.options.root,
      indexDir: this.options.indexDir,
      files: Object.keys(this.manifest.files).length,
      chunks: this.memory.size,
      skipped: this.manifest.skipped,
      embedder: this.manifest.embedderId,
      dimensions: this.manifest.dimensions,
      sizeOnDiskBytes: await this.shards.sizeOnDisk(),
      updatedAt: this.manifest.updatedAt,
    };
  }

  get fileCount(): number {
    return Object.keys(this.manifest.files).length;
  }

  get chunkCount(): number {
    return this.memory.size;
  }
}

async function clearIndexFiles(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  // Only our own files: the user may have pointed --index at a folder holding other things.
  for (const name of names) {
    if (/^shard-\d+\.json$|^manifest\.json(\..*\.tmp)?$/.test(name)) await fs.rm(`${dir}/${name}`, { force: true });
  }
}

// Four decimals keep ranking unchanged for unit vectors and roughly halve the index size on disk.
function roundVector(vector: Float32Array): Float32Array {
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = Math.round(vector[i] * 1e4) / 1e4;
  return out;
}

function toStoredChunk(chunk: IndexedChunk): StoredChunk {
  return {
    id: chunk.id,
    vector: Array.from(chunk.vector, (x) => Math.round(x * 1e4) / 1e4),
    metadata: {
      path: chunk.path,
      startLine: chunk.startLine,
      endLine: chunk.endLine,
      headingPath: JSON.stringify(chunk.headingPath),
      anchor: chunk.anchor,
      text: chunk.text,
      tokens: chunk.tokens,
    },
  };
}

function toIndexedChunk(item: StoredChunk): IndexedChunk | undefined {
  const m = item?.metadata;
  if (!m || typeof m.path !== 'string' || typeof m.text !== 'string' || !Array.isArray(item.vector)) return undefined;
  let headingPath: string[] = [];
  try {
    headingPath = JSON.parse(m.headingPath);
  } catch {
    return undefined;
  }
  return {
    id: item.id,
    path: m.path,
    startLine: m.startLine,
    endLine: m.endLine,
    headingPath,
    anchor: m.anchor ?? '',
    text: m.text,
    tokens: m.tokens ?? 0,
    vector: Float32Array.from(item.vector),
  };
}
