import { constants as fsConstants, promises as fs, statSync } from 'node:fs';
import nodePath from 'node:path';
import { type ChunkSizing, DEFAULT_CHUNK_SIZING } from '../chunking/chunkDocument';
import { type LineSpan, sectionSpan } from '../chunking/sectionSpan';
import {
  type DiscoveredFile,
  type DiscoveryOptions,
  type DiscoveryResult,
  discoverDocuments,
  filterDocumentPaths,
  realFolder,
} from '../discovery/discover';
import type { Embedder } from '../embedding/embedder';
import { analyze } from '../retrieval/analyzer';
import { type IdentifierHit, lookupIdentifier } from '../retrieval/identifierLookup';
import type { ChunkRecord } from '../retrieval/frozenIndex';
import { type IndexedChunk, type SearchOptions } from '../retrieval/searchIndex';
import type { SnapshotStatus } from '../store/describeSnapshot';
import { type FileToCommit, type IndexedChunks, IndexStore, SNAPSHOT_QUIET_MS, SNAPSHOT_SOON_MS } from '../store/indexStore';
import { roundVector } from '../store/storedChunk';
import { loadTokenizer } from '../tokens';
import type { Chunk, ProgressReporter, SearchResult, SkippedFile } from '../types';
import { planFileChunks } from './changePlan';
import { inlineFileProcessor, type WorkerScript, WorkerFileProcessor } from './fileProcessor';
import type { PreparedFile } from './prepareFile';
import { DEFAULT_MAX_FILE_BYTES } from '../discovery/readLimits';
import { verifyAgainstFiles } from './verifyFiles';

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
  /**
   * A full update follows opening: the folder is walked while the index is read, and that update sees the folder
   * as it was when opening began (changes after that are a watcher's to report, or the next update's).
   */
  updateAfterOpen?: boolean;
  /** Open without taking the write lock: nothing on disk is changed (`status`). */
  readOnly?: boolean;
  /** How long to wait for another process's write lock before opening read-only. */
  lockWaitMs?: number;
  /** Start from an empty index (Rebuild Index), under the lock, instead of deleting the folder from outside. */
  rebuild?: boolean;
  /**
   * `shards`: read and check every shard against the manifest, not only those whose stamp changed (`status`).
   * `files`: that, and every chunk against the file it was cut from (`index --verify`).
   */
  verify?: 'shards' | 'files';
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
  /** Set when this process cannot write the index (a full disk, a folder shared read-only): why. */
  readOnly?: string;
  files: number;
  chunks: number;
  skipped: SkippedFile[];
  embedder: string;
  dimensions: number;
  sizeOnDiskBytes: number;
  updatedAt: string;
  /** The search snapshot that makes opening fast. */
  snapshot: SnapshotStatus;
  /** What opening found wrong with the index on disk and what was (or an update will be) done about it. */
  problems: string[];
}

/**
 * A long build writes its manifest at most this often (and at the end): the shards written before it are then
 * kept by a crash. Rewriting ten thousand entries after every shard would cost more than it keeps.
 */
const MANIFEST_EVERY_MS = 20_000;
/** Updates of at most this many files are prepared in this thread; larger ones in chunking workers. */
const INLINE_UP_TO_FILES = 100;
/** Files read ahead of the one being chunked in this thread, so disk reads overlap CPU work. */
const READ_AHEAD = 16;
/**
 * Files handed to the chunking workers ahead of the one being stored: enough to keep them busy while this thread
 * embeds and writes a shard. Building cpp-docs: 16 kept the two cores 150% busy (30-33 s), 128 181% (26 s);
 * 256 was no faster and took 70 MB more.
 */
const WORKER_READ_AHEAD = 128;
/** How long the folder walk started by `open` may serve as the first update's. */
const OPENING_WALK_FRESH_MS = 10_000;
/** Files checked for changes between two returns to the event loop. */
const STAT_BATCH = 1000;
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
 * One folder's index kept current with the folder: discovery, chunking (in workers for large updates), embedding,
 * and what to write for each chunk, committed through the index store; searched in memory.
 */
export class DocsIndex {
  /** The folder's walk, started by `open` alongside reading the index, for the update that follows it. */
  private openingWalk: { walk: Promise<DiscoveryResult>; startedAt: number } | undefined;
  /** Searches under way: closing waits for them. */
  private readonly searches = new Set<Promise<SearchResult[]>>();

  private constructor(
    private readonly options: DocsIndexOptions,
    private readonly store: IndexStore,
  ) {}

  static async open(options: DocsIndexOptions): Promise<DocsIndex> {
    // Walking the folder is mostly waiting on the disk, and so is reading the snapshot: one overlaps the other.
    const walk = options.updateAfterOpen ? discoverDocuments(options.root, options.discovery) : undefined;
    walk?.catch(() => undefined); // the update that uses it reports a failure; an unused walk's is of no interest
    const startedAt = Date.now();
    const sizing = options.chunkSizing ?? DEFAULT_CHUNK_SIZING;
    const store = await IndexStore.open({
      indexDir: options.indexDir,
      embedderId: options.embedder.id,
      dimensions: options.embedder.dimensions,
      chunking: `${sizing.maxTokens}/${sizing.overlapLines}/${sizing.mergeSectionsUpTo ?? 0}`,
      shardCount: options.shardCount,
      log: options.log,
      readOnly: options.readOnly,
      lockWaitMs: options.lockWaitMs,
      rebuild: options.rebuild,
      verifyShards: options.verify !== undefined,
    });
    try {
      if (options.verify === 'files') {
        const containedIn = options.discovery?.followExternalSymlinks ? undefined : await realFolder(options.root);
        await verifyAgainstFiles(store, options.root, sizing, containedIn);
      }
    } catch (error) {
      await store.close();
      throw error;
    }
    const index = new DocsIndex(options, store);
    if (walk) index.openingWalk = { walk, startedAt };
    return index;
  }

  /** Whether this process holds the write lock (otherwise it only reads). */
  get writable(): boolean {
    return this.store.writable;
  }

  /** The folder whose documents are indexed. */
  get root(): string {
    return this.options.root;
  }

  /** Writes the search snapshot now if memory changed since the last one; returns once it is on disk. */
  saveSnapshot(): Promise<void> {
    return this.store.saveSnapshot();
  }

  /**
   * Gets ready for the first edit while nothing waits: loads the shard store and the tokenizer, and builds the
   * lookups of the snapshot's ids and terms, all of which opening skips to answer the first query sooner.
   */
  prepareForWrites(): void {
    this.store.preloadForWrites();
    loadTokenizer();
  }

  /** Flushes a pending snapshot and releases the write lock; call before the process exits or the index is dropped. */
  async close(): Promise<void> {
    // A search waiting for its query's vector still reads this index's text once the vector comes.
    await Promise.allSettled([...this.searches]);
    return this.store.close();
  }

  async update(options: UpdateOptions = {}): Promise<UpdateSummary> {
    await this.store.ensureWritable();
    const { signal, progress } = options;
    const summary: UpdateSummary = { added: 0, changed: 0, removed: 0, unchanged: 0, skipped: 0, chunks: 0, cancelled: false };
    let discovered: DiscoveryResult;
    let removals: string[];
    let skipped: SkippedFile[];
    const openingWalk = this.openingWalk;
    this.openingWalk = undefined;
    // A folder among the changed paths (a renamed or copied docs folder) is walked whole: its files are not listed.
    // So is a folder that held indexed files and is gone: it was renamed or moved as often as deleted, and a watcher
    // does not always report where to.
    const held = (p: string) => {
      const rel = p.replace(/\\/g, '/').replace(/\/+$/, '');
      // A saved file (the usual event) is no folder: the manifest is not scanned for it.
      if (this.store.files[rel]) return false;
      return Object.keys(this.store.files).some((file) => file.startsWith(`${rel}/`));
    };
    const touchesFolder = options.paths?.some((p) => statOrUndefined(nodePath.join(this.options.root, p))?.isDirectory() || held(p));
    if (options.paths && !touchesFolder) {
      const touched = options.paths.map((p) => p.replace(/\\/g, '/').replace(/\/+$/, ''));
      discovered = await filterDocumentPaths(this.options.root, touched, this.options.discovery);
      const present = new Set(discovered.files.map((f) => f.path));
      const affected = (path: string) => touched.some((t) => path === t || path.startsWith(`${t}/`));
      removals = Object.keys(this.store.files).filter((path) => affected(path) && !present.has(path));
      // Earlier skip reasons stand, except for the paths looked at now.
      skipped = [...this.store.skipped.filter((s) => !affected(s.path)), ...discovered.skipped];
    } else {
      // The walk `open` started serves the update right after opening, not one that comes much later.
      const fresh = openingWalk && Date.now() - openingWalk.startedAt < OPENING_WALK_FRESH_MS;
      discovered = await (fresh ? openingWalk.walk : discoverDocuments(this.options.root, this.options.discovery));
      const present = new Set(discovered.files.map((f) => f.path));
      removals = Object.keys(this.store.files).filter((path) => !present.has(path));
      skipped = [...discovered.skipped];
    }
    const maxBytes = this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    // Checked again as each file is read: a link swapped after the walk must not reach outside the folder either.
    const containedIn = this.options.discovery?.followExternalSymlinks ? undefined : await realFolder(this.options.root);

    // Chunks are embedded as soon as a batch is ready, while the chunking workers go on with the next files.
    let toEmbed: PendingFile[] = [];
    let toEmbedChunks = 0;
    let pending: FileToCommit[] = [];
    // Files that left are removed with the last commit: a file that reappears elsewhere with the same content (a
    // renamed folder) takes their vectors meanwhile, and nothing is embedded again.
    let pendingRemovals: string[] = [];
    const leftByHash = new Map(removals.map((path) => [this.store.files[path]?.hash, path]));
    const indexedFor = (path: string, hash: string) => {
      const own = takeIndexed(path);
      if (own?.length) return own;
      const movedFrom = leftByHash.get(hash);
      return movedFrom === undefined ? own : indexedOf(movedFrom);
    };
    const embedQueued = async () => {
      if (!toEmbed.length) return;
      try {
        pending.push(...(await this.embedFiles(toEmbed, indexedFor, summary.cancelled ? undefined : signal)));
      } catch (error) {
        if (!signal?.aborted || summary.cancelled) throw error;
        // Cancelled mid-batch: what was already read is still stored, as for a cancel between batches.
        summary.cancelled = true;
        pending.push(...(await this.embedFiles(toEmbed, indexedFor, undefined)));
      }
      toEmbed = [];
      toEmbedChunks = 0;
    };
    let lastManifestWrite = Date.now();
    let filesWritten = 0;
    // A shard's commit waits on its compression and writes in the thread pool: meanwhile this thread embeds the
    // next shard's files. One commit at a time, in order (the write protocol's order holds); a commit's failure
    // surfaces when the next one starts, or at the end.
    let committing: Promise<void> = Promise.resolve();
    const commitPending = async (final: boolean) => {
      await committing;
      const writeManifestFile = final || Date.now() - lastManifestWrite > MANIFEST_EVERY_MS;
      const removing = final ? [...removals, ...pendingRemovals] : pendingRemovals;
      const commit = this.store.commit(pending, removing, skipped, final, writeManifestFile).then((written) => {
        filesWritten += written;
        if (writeManifestFile) lastManifestWrite = Date.now();
      });
      pending = [];
      pendingRemovals = [];
      committing = commit;
      // Awaited at the next commit; until then a failure must not count as unhandled.
      commit.catch(() => undefined);
      if (final) await commit;
    };
    let lastYield = Date.now();
    const total = discovered.files.length;
    // Files whose size and modification time match the manifest are not opened at all.
    const files = await this.filesThatMayHaveChanged(discovered.files);
    summary.unchanged = total - files.length;
    let done = summary.unchanged;
    if (done) progress?.({ done, total });

    // Files are taken shard by shard, and a shard is written once its last file is embedded: Vectra rewrites a
    // whole shard file on every write, so each is written once per update, while the chunking workers go on
    // with the next shard's files.
    const shardOf = new Map(files.map((file) => [file.path, this.store.shardFor(file.path)]));
    files.sort((a, b) => shardOf.get(a.path)! - shardOf.get(b.path)!);
    let currentShard = -1;

    // Starting chunking threads costs more than it saves on a few files (a watcher's edit): those go inline.
    const useWorkers = this.options.chunkWorker && files.length > INLINE_UP_TO_FILES;
    const processor = useWorkers ? new WorkerFileProcessor(this.options.chunkWorker!) : inlineFileProcessor;
    const readAhead = useWorkers ? WORKER_READ_AHEAD : READ_AHEAD;
    const sizing = this.options.chunkSizing;
    const reads = new Map<number, Promise<PreparedFile>>();
    // A changed file's indexed chunks, looked up once for chunking (inline) and embedding, then let go.
    const indexedChunks = new Map<string, IndexedChunks | undefined>();
    const indexedOf = (path: string) => {
      if (!indexedChunks.has(path)) indexedChunks.set(path, this.store.indexedChunksOf(path));
      return indexedChunks.get(path);
    };
    const takeIndexed = (path: string) => {
      const indexed = indexedOf(path);
      indexedChunks.delete(path);
      return indexed;
    };
    const readAt = (i: number) => {
      let read = reads.get(i);
      if (!read && i < files.length) {
        const file = files[i];
        const known = this.store.files[file.path];
        // A watcher's edit is chunked here, where the file's indexed chunks are at hand to spare recounting.
        const indexed = useWorkers ? undefined : indexedOf(file.path);
        const knownTokens = indexed && new Map(indexed.map(({ chunk }) => [chunk.text, chunk.tokens]));
        read = processor.prepare({ path: file.path, absolutePath: file.absolutePath, containedIn, maxBytes, sizing, known, knownTokens });
        reads.set(i, read);
      }
      return read;
    };
    try {
      for (let i = 0; i < files.length; i++) {
        if (signal?.aborted) {
          summary.cancelled = true;
          break;
        }
        if (Date.now() - lastYield > YIELD_INTERVAL_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = Date.now();
        }
        for (let ahead = i; ahead < Math.min(files.length, i + readAhead); ahead++) readAt(ahead);
        const file = files[i];
        if (shardOf.get(file.path) !== currentShard) {
          await embedQueued();
          if (summary.cancelled) break;
          if (pending.length) await commitPending(false);
          currentShard = shardOf.get(file.path)!;
        }
        const prepared = await readAt(i)!;
        reads.delete(i);
        done++;
        const known = this.store.files[file.path];
        progress?.({ done, total, message: file.path });
        if (prepared.state === 'unchanged') {
          summary.unchanged++;
        } else if (prepared.state === 'same-content') {
          this.store.touch(file.path, prepared.size, prepared.mtimeMs);
          summary.unchanged++;
        } else if (prepared.state === 'failed') {
          skipped.push({ path: file.path, reason: prepared.reason });
          if (known) pendingRemovals.push(file.path);
        } else {
          toEmbed.push({ path: file.path, hash: prepared.hash, size: prepared.size, mtimeMs: prepared.mtimeMs, chunks: prepared.chunks });
          toEmbedChunks += prepared.chunks.length;
          if (known) summary.changed++;
          else summary.added++;
        }
        if (toEmbedChunks >= EMBED_BATCH) {
          await embedQueued();
          if (summary.cancelled) break;
        }
      }
    } finally {
      await processor.dispose();
      // Whatever ends the loop, no commit is left running behind it (its failure is raised just below).
      await committing.catch(() => undefined);
    }
    // Reads started ahead of a cancel still settle; nothing waits on them.
    for (const read of reads.values()) void read.catch(() => undefined);
    await embedQueued();
    await commitPending(true);
    // The search snapshot is written once the update is whole, not after each shard.
    if (filesWritten) this.store.snapshotChanged(filesWritten > INLINE_UP_TO_FILES ? SNAPSHOT_SOON_MS : SNAPSHOT_QUIET_MS);
    summary.removed = removals.length;
    summary.skipped = skipped.length;
    summary.chunks = this.store.searchIndex.size;
    progress?.({ done: total, total });
    return summary;
  }

  /**
   * The files that are new, or whose size or modification time differ from what the manifest recorded. Plain
   * synchronous stat calls, a batch at a time: three times faster than promises over ten thousand files, and
   * this runs off the editor's thread (in the index worker or the CLI).
   */
  private async filesThatMayHaveChanged(files: DiscoveredFile[]): Promise<DiscoveredFile[]> {
    const changed: DiscoveredFile[] = [];
    for (let start = 0; start < files.length; start += STAT_BATCH) {
      if (start) await new Promise((resolve) => setImmediate(resolve));
      for (const file of files.slice(start, start + STAT_BATCH)) {
        const known = this.store.files[file.path];
        const stat = known ? statOrUndefined(file.absolutePath) : undefined;
        if (!stat || stat.size !== known!.size || stat.mtimeMs !== known!.mtimeMs) changed.push(file);
      }
    }
    return changed;
  }

  /**
   * Embeds the chunks of these files in batches and analyzes their terms; nothing is written. A chunk whose text
   * (with its headings) is one its file already has indexed keeps that vector: an edit to one section of a long
   * page sends one chunk to the embedder, not the page (with a remote embedder, that is cost and rate limit).
   * Each chunk's placement says what the commit must write for it; only `new` chunks are analyzed.
   */
  private async embedFiles(
    files: PendingFile[],
    indexedOf: (path: string, hash: string) => IndexedChunks | undefined,
    signal: AbortSignal | undefined,
  ): Promise<FileToCommit[]> {
    const memory = this.store.searchIndex;
    const all = files.flatMap((file) =>
      planFileChunks(file.path, file.chunks, indexedOf(file.path, file.hash)).map((planned) => ({
        ...planned,
        vector: planned.reuseVectorOf === undefined ? undefined : memory.vectorOf(planned.reuseVectorOf),
        terms: undefined as string[] | undefined,
      })),
    );
    const toEmbed = all.filter((item) => !item.vector);
    for (let i = 0; i < toEmbed.length; i += EMBED_BATCH) {
      const batch = toEmbed.slice(i, i + EMBED_BATCH);
      const vectors = await this.options.embedder.embed(
        batch.map((item) => item.text),
        signal,
      );
      for (const [j, item] of batch.entries()) {
        item.vector = roundVector(vectors[j]);
        // Analyzed now, while the embedder's analysis of the same text is still cached.
        item.terms = analyze(item.text);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Only the compact result is kept: peak memory stays near the size of the index.
    const inserted: IndexedChunk[] = all.map(({ chunk, id, vector }) => ({ ...chunk, id, vector: vector! }));
    const terms = all.map((item) => (item.placement === 'new' ? (item.terms ?? analyze(item.text)) : undefined));
    const placements = all.map((item) => item.placement);
    let next = 0;
    return files.map(({ chunks, ...file }) => {
      const range = [next, next + chunks.length] as const;
      next += chunks.length;
      return { ...file, chunks: inserted.slice(...range), placements: placements.slice(...range), terms: terms.slice(...range) };
    });
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    const searching = (async () => {
      const [vector] = await this.options.embedder.embed([query]);
      return this.store.searchIndex.search(query, vector, options);
    })();
    this.searches.add(searching);
    try {
      const results = await searching;
      if (!options.withSections) return results;
      // A file's chunks are read once per search, however many of its passages were found.
      const chunksByFile = new Map<string, ChunkRecord[]>();
      const chunksOf = (path: string) => chunksByFile.get(path) ?? chunksByFile.set(path, this.chunksOf(path)).get(path)!;
      return results.map((r) => ({ ...r, section: sectionSpan(chunksOf(r.path), r) }));
    } finally {
      this.searches.delete(searching);
    }
  }

  /** The whole section a passage of this index is in (see `sectionSpan`), or undefined when its file is gone. */
  sectionOf(passage: { path: string; startLine: number; headingPath: readonly string[] }): LineSpan | undefined {
    return sectionSpan(this.chunksOf(passage.path), passage);
  }

  /** The passages that document a name from code (see `lookupIdentifier`): the hover's and `lookup_docs`' lookup. */
  lookup(identifier: string, k = 3): IdentifierHit[] {
    return lookupIdentifier((query, options) => this.searchLexical(query, options), identifier, k);
  }

  /** Search without a query vector: lexical only, no embedder call (used where a network round trip is too slow). */
  searchLexical(query: string, options: SearchOptions = {}): SearchResult[] {
    return this.store.searchIndex.search(query, undefined, options);
  }

  async status(): Promise<IndexStatus> {
    const readOnly = await this.readOnlyReason();
    return {
      root: this.options.root,
      indexDir: this.options.indexDir,
      files: this.fileCount,
      chunks: this.chunkCount,
      skipped: this.store.skipped,
      embedder: this.store.embedderId,
      dimensions: this.store.dimensions,
      sizeOnDiskBytes: await this.store.sizeOnDisk(),
      updatedAt: this.store.updatedAt,
      snapshot: await this.store.snapshotStatus(),
      problems: [...this.store.problems],
      ...(readOnly ? { readOnly } : {}),
    };
  }

  /** Why this index cannot be written from here, if it cannot: found when opening, or by asking the file system. */
  private async readOnlyReason(): Promise<string | undefined> {
    if (this.store.unwritable) return this.store.unwritable;
    if (this.store.writable) return undefined;
    const canWrite = await fs.access(this.options.indexDir, fsConstants.W_OK).then(
      () => true,
      (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
    );
    return canWrite ? undefined : 'no permission to write its folder';
  }

  /** The indexed files, and the chunks one of them has, as searches see them (line ranges 1-based, inclusive). */
  indexedFiles(): string[] {
    return Object.keys(this.store.files);
  }

  chunksOf(path: string): ChunkRecord[] {
    return (this.store.indexedChunksOf(path) ?? []).map(({ chunk }) => chunk);
  }

  get fileCount(): number {
    return Object.keys(this.store.files).length;
  }

  get chunkCount(): number {
    return this.store.searchIndex.size;
  }
}

/** Any failure (gone, no permission) counts as changed: preparing the file then records why it cannot be read. */
function statOrUndefined(absolutePath: string) {
  try {
    return statSync(absolutePath, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
