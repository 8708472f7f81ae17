import { constants as fsConstants, promises as fs } from 'node:fs';
import { type ChunkSizing, DEFAULT_CHUNK_SIZING } from '../chunking/chunkDocument';
import { type LineSpan, sectionSpan } from '../chunking/sectionSpan';
import { type DiscoveryOptions, type DiscoveryResult, discoverDocuments, realFolder } from '../discovery/discover';
import { EMBEDDER_UNREACHABLE, type Embedder } from '../embedding/embedder';
import { type IdentifierHit, lookupIdentifier } from '../retrieval/identifierLookup';
import { withJudgedVectors } from '../retrieval/judgement';
import type { ChunkRecord } from '../retrieval/frozenIndex';
import type { SearchOptions } from '../retrieval/searchIndex';
import type { SnapshotStatus } from '../store/describeSnapshot';
import { IndexStore } from '../store/indexStore';
import { loadTokenizer } from '../tokens';
import { RecentlyUsed } from '../recentlyUsed';
import type { SearchResult, SkippedFile } from '../types';
import type { WorkerScript } from './fileProcessor';
import { runUpdate, type UpdateOptions, type UpdateSummary } from './updateRun';
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

export type { UpdateOptions, UpdateSummary } from './updateRun';

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

/** Files whose section outlines are kept between searches. */
const KEPT_OUTLINES = 2048;

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
    const openingWalk = this.openingWalk;
    this.openingWalk = undefined;
    return runUpdate({ store: this.store, options: this.options, openingWalk }, options);
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    const searching = (async () =>
      withJudgedVectors(this.store.searchIndex.search(query, await this.queryVector(query), options), this.options.embedder.id))();
    this.searches.add(searching);
    try {
      const results = await searching;
      if (!options.withSections) return results;
      // A file's chunks are read once per search, however many of its passages were found.
      const chunksByFile = new Map<string, ChunkRecord[]>();
      const chunksOf = (path: string) => chunksByFile.get(path) ?? chunksByFile.set(path, this.outlineOf(path)).get(path)!;
      return results.map((r) => ({ ...r, section: sectionSpan(chunksOf(r.path), r) }));
    } finally {
      this.searches.delete(searching);
    }
  }

  /** Why the embedder could not embed the last query (searches then go by words alone), or undefined. */
  embedderProblem: string | undefined;

  /**
   * The query's vector; when the embedder cannot be reached (a remote endpoint down), none: the search goes by the
   * words of the docs alone instead of failing every question, and the log says so once, with what to do.
   */
  private async queryVector(query: string): Promise<Float32Array | undefined> {
    try {
      const [vector] = await this.options.embedder.embed([query]);
      this.embedderProblem = undefined;
      return vector;
    } catch (error) {
      const first = this.embedderProblem === undefined;
      this.embedderProblem = (error as Error).message;
      if (first)
        this.options.log?.(
          `${EMBEDDER_UNREACHABLE}: ${this.embedderProblem}. Searching by the words of the docs alone until it answers; the offline embedder needs no endpoint.`,
        );
      return undefined;
    }
  }

  /** The whole section a passage of this index is in (see `sectionSpan`), or undefined when its file is gone. */
  sectionOf(passage: { path: string; startLine: number; headingPath: readonly string[] }): LineSpan | undefined {
    return sectionSpan(this.outlineOf(passage.path), passage);
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

  private outlines = new RecentlyUsed<string, ChunkRecord[]>(KEPT_OUTLINES);
  private outlinesVersion = -1;

  /**
   * A file's chunks without their text (lines and heading paths: what a section's span needs), kept while the
   * index does not change: results name the same files again and again.
   */
  private outlineOf(path: string): ChunkRecord[] {
    const version = this.store.searchIndex.version;
    if (this.outlinesVersion !== version) {
      this.outlines.clear();
      this.outlinesVersion = version;
    }
    return this.outlines.of(path, () => (this.store.indexedChunksOf(path, false) ?? []).map(({ chunk }) => chunk));
  }

  chunksOf(path: string): ChunkRecord[] {
    return (this.store.indexedChunksOf(path) ?? []).map(({ chunk }) => chunk);
  }

  /** Whether a search is computation alone (its query vector from a local embedder), never a wait on a network. */
  get searchesLocally(): boolean {
    return this.options.embedder.local === true;
  }

  get fileCount(): number {
    return Object.keys(this.store.files).length;
  }

  get chunkCount(): number {
    return this.store.searchIndex.size;
  }
}

/** Any failure (gone, no permission) counts as changed: preparing the file then records why it cannot be read. */
