import { promises as fs, statSync } from 'node:fs';
import nodePath from 'node:path';
import { chunkDocument, type ChunkSizing, DEFAULT_CHUNK_SIZING } from './chunking/chunkDocument';
import { readDocument } from './discovery/readDocument';
import { contentHash } from './hash';
import {
  type DiscoveredFile,
  type DiscoveryOptions,
  type DiscoveryResult,
  discoverDocuments,
  filterDocumentPaths,
  realFolder,
} from './discovery/discover';
import type { Embedder } from './embedding/embedder';
import { type PreparedFile } from './prepareFile';
import { inlineFileProcessor, type WorkerScript, WorkerFileProcessor } from './worker/fileProcessor';
import { analyze } from './retrieval/analyzer';
import type { ChunkRecord } from './retrieval/frozenIndex';
import { type IndexedChunk, SearchIndex, type SearchOptions, searchableText } from './retrieval/searchIndex';
import { emptyManifest, type Manifest, readManifest, SCHEMA_VERSION, writeManifest } from './store/manifest';
import type { SnapshotStatus } from './store/describeSnapshot';
import { readSnapshot, type SnapshotFiles, type SnapshotIdentity } from './store/searchSnapshot';
import { TEMP_FILE } from './store/atomicWrite';
import { IndexBusyError, IndexLock } from './store/indexLock';
import { SnapshotSchedule } from './store/snapshotSchedule';
import { type StoredChunk, VectraShards } from './store/vectraShards';
import { loadTokenizer } from './tokens';
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

export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;
const DEFAULT_SHARDS = 64;
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
/** The search snapshot is rewritten whole, so after small edits it waits for a quiet half minute ... */
const SNAPSHOT_QUIET_MS = 30_000;
/** ... but after a large update or a load from the shards, the next open should not pay for that again. */
const SNAPSHOT_SOON_MS = 1_000;
/** Long loops hand the event loop back this often so an editor host hosting them stays responsive. */
const YIELD_INTERVAL_MS = 15;

interface PendingFile {
  path: string;
  hash: string;
  size: number;
  mtimeMs: number;
  chunks: Chunk[];
}

/** A file's chunks as the index holds them now. */
type IndexedChunks = Array<{ id: string; chunk: ChunkRecord }>;

/**
 * What an update does with a chunk: `same`, it is indexed under its id exactly as it is now (nothing written);
 * `moved`, only its lines changed (an edit above it); `new`, anything else (added, or its text changed).
 */
type Placement = 'same' | 'moved' | 'new';

/** A pending file once its chunks are embedded and analyzed: ready to be written. */
interface EmbeddedFile extends Omit<PendingFile, 'chunks'> {
  chunks: IndexedChunk[];
  placements: Placement[];
  /** The analyzed terms of each `new` chunk (the others keep theirs). */
  terms: Array<string[] | undefined>;
}

/**
 * One folder's index: discovery, chunking, embedding and storage, kept current incrementally by content hash,
 * and searched in memory. Every update commits shard files first and the manifest last, so what the manifest
 * reports is always on disk; on open, anything else is detected and repaired.
 */
export class DocsIndex {
  private readonly snapshots: SnapshotSchedule;
  /** Problems found since opening, each with its remedy, as the user was told. */
  private readonly problems: string[] = [];
  /** The folder's walk, started by `open` alongside reading the index, for the update that follows it. */
  private openingWalk: { walk: Promise<DiscoveryResult>; startedAt: number } | undefined;

  private constructor(
    private readonly options: DocsIndexOptions,
    private manifest: Manifest,
    private shards: VectraShards,
    private memory: SearchIndex,
    private lock: IndexLock | undefined,
  ) {
    this.snapshots = new SnapshotSchedule(options.indexDir, () => this.captureSnapshot(), options.log ?? (() => {}));
  }

  static async open(options: DocsIndexOptions): Promise<DocsIndex> {
    const log = options.log ?? (() => {});
    // One writer per index: without the lock this process only reads (and repairs nothing on disk).
    let lock: IndexLock | undefined;
    if (!options.readOnly) {
      await fs.mkdir(options.indexDir, { recursive: true });
      const acquired = await IndexLock.acquire(options.indexDir, options.lockWaitMs ?? 0, (owner) =>
        log(`Waiting for another Groundwork process (pid ${owner.pid}) to finish updating the index at ${options.indexDir}…`),
      );
      if (acquired instanceof IndexLock) lock = acquired;
      else log(`${new IndexBusyError(options.indexDir, acquired.busy).message}; reading the index as it is until then.`);
    }
    try {
      return await DocsIndex.openLocked(options, lock, log);
    } catch (error) {
      await lock?.release();
      throw error;
    }
  }

  private static async openLocked(
    options: DocsIndexOptions,
    lock: IndexLock | undefined,
    log: (message: string) => void,
  ): Promise<DocsIndex> {
    // Walking the folder is mostly waiting on the disk, and so is reading the snapshot: one overlaps the other.
    const walk = options.updateAfterOpen ? discoverDocuments(options.root, options.discovery) : undefined;
    walk?.catch(() => undefined); // the update that uses it reports a failure; an unused walk's is of no interest
    const startedAt = Date.now();
    const sizing = options.chunkSizing ?? DEFAULT_CHUNK_SIZING;
    const chunking = `${sizing.maxTokens}/${sizing.overlapLines}/${sizing.mergeSectionsUpTo ?? 0}`;
    const { embedder } = options;
    const fresh = () => emptyManifest(embedder.id, embedder.dimensions, chunking, options.shardCount ?? DEFAULT_SHARDS);

    const read = await readManifest(options.indexDir);
    let manifest: Manifest;
    let rebuild = false;
    const suspectShards = new Set<number>();
    if (options.rebuild) {
      manifest = fresh();
      rebuild = true;
    } else if (read.state === 'missing') {
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
              : options.shardCount !== undefined && found.shardCount !== options.shardCount
                ? 'the shard layout changed'
                : undefined;
      if (mismatch) log(`Rebuilding the index: ${mismatch}.`);
      manifest = mismatch ? fresh() : found;
      rebuild = Boolean(mismatch);
      if (!mismatch && read.invalid.length) {
        log(
          `Repairing the index: ${read.invalid.length} manifest entr${read.invalid.length === 1 ? 'y is' : 'ies are'} invalid ` +
            `(${read.invalid[0].path}: ${read.invalid[0].reason}); ${read.invalid.length === 1 ? 'that file' : 'those files'} will be indexed again.`,
        );
        const layout = new VectraShards(options.indexDir, manifest.shardCount);
        for (const entry of read.invalid) suspectShards.add(layout.shardFor(entry.path));
      }
    }
    if (lock) await clearIndexFiles(options.indexDir, !rebuild);

    const index = new DocsIndex(
      options,
      manifest,
      new VectraShards(options.indexDir, manifest.shardCount),
      new SearchIndex(embedder.dimensions),
      lock,
    );
    const report = (message: string) => {
      index.problems.push(message);
      log(message);
    };
    if (options.verify) for (let shard = 0; shard < manifest.shardCount; shard++) suspectShards.add(shard);
    if (!rebuild) await index.load(report, suspectShards);
    if (!rebuild && options.verify === 'files') await index.verifyAgainstFiles(report);
    if (rebuild && lock) await writeManifest(options.indexDir, manifest);
    if (walk) index.openingWalk = { walk, startedAt };
    return index;
  }

  private get snapshotIdentity(): SnapshotIdentity {
    return { embedderId: this.manifest.embedderId, dimensions: this.manifest.dimensions, chunking: this.manifest.chunking };
  }

  /** Whether this process holds the write lock (otherwise it only reads). */
  get writable(): boolean {
    return this.lock !== undefined;
  }

  /**
   * Fills the search index: from the snapshot for every file whose hash it matches, from the shards for the
   * rest (all of them when there is no usable snapshot). The manifest is the truth throughout, and a shard whose
   * file is not as the manifest recorded it (written after it, by a process that died, or damaged) is read and
   * checked item by item, whatever the snapshot holds.
   */
  private async load(log: (message: string) => void, suspectShards: Set<number>): Promise<void> {
    for (let shard = 0; shard < this.manifest.shardCount; shard++) {
      if ((await this.shards.stampOf(shard)) !== this.manifest.shardStamps[shard]) suspectShards.add(shard);
    }
    const fromShards = new Set(Object.keys(this.manifest.files));
    const snapshot = fromShards.size ? await readSnapshot(this.options.indexDir, this.snapshotIdentity) : { state: 'missing' as const };
    if (snapshot.state === 'unusable')
      log(`The search snapshot could not be used (${snapshot.reason}); loading the index from its shards.`);
    if (snapshot.state === 'ok') {
      this.memory = new SearchIndex(this.manifest.dimensions, snapshot.frozen);
      for (const [path, [hash, count]] of Object.entries(snapshot.files)) {
        const entry = this.manifest.files[path];
        if (entry && entry.hash === hash && entry.chunks === count) fromShards.delete(path);
        else for (const id of chunkIdsOf(path, count)) this.memory.remove(id);
      }
    }
    if (fromShards.size || suspectShards.size) {
      await this.loadFromShards(fromShards, suspectShards, log);
      if (this.writable) this.snapshots.changed(SNAPSHOT_SOON_MS);
    }
  }

  /**
   * Loads the chunks of `paths` from their shards, and checks every item of those shards and of `suspectShards`
   * against the manifest: an item no file lists is dropped; a file whose items are missing, malformed or cut from
   * other content than the manifest records is dropped from the index, to be indexed again by the next update,
   * unless memory already holds it from the snapshot: then the shard is written again from memory.
   */
  private async loadFromShards(paths: Set<string>, suspectShards: Set<number>, log: (message: string) => void): Promise<void> {
    const shardsToRead = new Set([...suspectShards, ...[...paths].map((path) => this.shards.shardFor(path))]);
    const filesOf = new Map<number, string[]>();
    for (const path of Object.keys(this.manifest.files)) {
      const shard = this.shards.shardFor(path);
      if (!shardsToRead.has(shard)) continue;
      const files = filesOf.get(shard);
      if (files) files.push(path);
      else filesOf.set(shard, [path]);
    }
    const brokenFiles = new Set<string>();
    let manifestChanged = false;
    for (const shard of [...shardsToRead].sort((a, b) => a - b)) {
      const files = filesOf.get(shard) ?? [];
      const loaded = await this.shards.load(shard);
      let rewrite: string | undefined;
      if (!loaded.ok) {
        const lost = files.filter((path) => paths.has(path));
        for (const path of lost) brokenFiles.add(path);
        rewrite = `is unreadable (${loaded.reason})`;
        log(
          `Index shard ${shard} ${rewrite}; ` +
            (this.writable ? 'rewriting it from memory' : 'the next update rewrites it') +
            (lost.length ? `, ${lost.length} of its files will be indexed again.` : ', losing nothing.'),
        );
      } else {
        const orphans: string[] = [];
        const seen = new Set<string>();
        const shardBroken = new Set<string>();
        for (const item of loaded.items) {
          const path = typeof item?.id === 'string' ? item.id.slice(0, item.id.lastIndexOf('#')) : '';
          const entry = this.manifest.files[path];
          const ordinal = Number(item?.id?.slice(path.length + 1));
          if (!entry || !Number.isInteger(ordinal) || ordinal >= entry.chunks || seen.has(item.id)) {
            orphans.push(item?.id);
            continue;
          }
          seen.add(item.id);
          const chunk = toIndexedChunk(item);
          if (!chunk || chunk.path !== path || chunk.vector.length !== this.memory.dimensions || item.metadata.fileHash !== entry.hash) {
            shardBroken.add(path);
            continue;
          }
          if (paths.has(path)) this.memory.add(chunk);
        }
        // Every chunk a file of this shard should have must be here.
        for (const path of files) {
          if (chunkIdsOf(path, this.manifest.files[path].chunks).some((id) => !seen.has(id))) shardBroken.add(path);
        }
        for (const path of shardBroken) {
          if (paths.has(path)) brokenFiles.add(path);
          // Memory holds this file as the manifest records it (from the snapshot): the shard is what is wrong.
          else rewrite = 'disagrees with the manifest';
        }
        if (rewrite) log(`Index shard ${shard} ${rewrite}; ${this.writable ? 'rewriting it from memory' : 'the next update rewrites it'}.`);
        else if (this.writable) {
          for (const id of seen) if (brokenFiles.has(id.slice(0, id.lastIndexOf('#')))) orphans.push(id);
          if (orphans.length)
            await this.shards.apply(
              shard,
              orphans.filter((id) => typeof id === 'string'),
              [],
            );
        }
      }
      if (!this.writable) continue;
      if (rewrite) await this.shards.recreate(shard, this.storedChunksOfShard(shard, brokenFiles));
      const stamp = await this.shards.stampOf(shard);
      if (stamp !== this.manifest.shardStamps[shard]) {
        if (stamp === undefined) delete this.manifest.shardStamps[shard];
        else this.manifest.shardStamps[shard] = stamp;
        manifestChanged = true;
      }
    }
    if (brokenFiles.size) {
      log(`Repaired the index: ${brokenFiles.size} file(s) did not match what was stored and will be indexed again.`);
      for (const path of brokenFiles) {
        for (const id of chunkIdsOf(path, this.manifest.files[path]?.chunks)) this.memory.remove(id);
        delete this.manifest.files[path];
      }
      manifestChanged = true;
    }
    if (manifestChanged && this.writable) await writeManifest(this.options.indexDir, this.manifest);
  }

  /**
   * The full check: every indexed file is read again; where its content is what the manifest records, it is
   * chunked again and must give exactly the chunks the index holds (text, lines, headings). A file that does not is
   * dropped, and one whose content changed without its size or time changing is marked, so the update indexes both.
   */
  private async verifyAgainstFiles(report: (message: string) => void): Promise<void> {
    const sizing = this.options.chunkSizing ?? DEFAULT_CHUNK_SIZING;
    const broken: string[] = [];
    let changedUnnoticed = 0;
    for (const [path, entry] of Object.entries(this.manifest.files)) {
      const read = await readDocument(nodePath.join(this.options.root, path), Number.MAX_SAFE_INTEGER);
      if (!read.ok || contentHash(read.text) !== entry.hash) {
        entry.mtimeMs = -1; // the update reads it again, whatever its size and time say
        changedUnnoticed++;
        continue;
      }
      let fresh: Chunk[];
      try {
        fresh = chunkDocument(path, read.text, sizing);
      } catch {
        broken.push(path);
        continue;
      }
      const held = chunkIdsOf(path, entry.chunks).map((id) => this.memory.chunk(id));
      const agrees =
        held.length === fresh.length && held.every((chunk, i) => chunk && sameContent(chunk, fresh[i]) && sameLines(chunk, fresh[i]));
      if (!agrees) broken.push(path);
    }
    if (broken.length) {
      report(`Verify: ${broken.length} file(s) hold chunks that are not at their lines (${broken[0]}); they will be indexed again.`);
      for (const path of broken) {
        for (const id of chunkIdsOf(path, this.manifest.files[path].chunks)) this.memory.remove(id);
        delete this.manifest.files[path];
      }
    }
    if (changedUnnoticed) report(`Verify: ${changedUnnoticed} file(s) changed since they were indexed; they will be read again.`);
  }

  /** The chunks a file has indexed now, or undefined for a file not indexed. */
  private indexedChunksOf(path: string): IndexedChunks | undefined {
    const entry = this.manifest.files[path];
    if (!entry) return undefined;
    return chunkIdsOf(path, entry.chunks).flatMap((id) => {
      const chunk = this.memory.chunk(id);
      return chunk ? [{ id, chunk }] : [];
    });
  }

  private holdsOtherFilesOf(shard: number, excluded: Set<string>): boolean {
    return Object.keys(this.manifest.files).some((path) => !excluded.has(path) && this.shards.shardFor(path) === shard);
  }

  /** What memory holds for one shard's files (except `excluded`), in the shard's own format. */
  private storedChunksOfShard(shard: number, excluded: Set<string>): StoredChunk[] {
    const items: StoredChunk[] = [];
    for (const { chunk, vector } of this.memory.allChunksWithVectors()) {
      const hash = this.manifest.files[chunk.path]?.hash;
      if (hash && this.shards.shardFor(chunk.path) === shard && !excluded.has(chunk.path))
        items.push(toStoredChunk({ ...chunk, vector }, hash));
    }
    return items;
  }

  private captureSnapshot() {
    const files: SnapshotFiles = {};
    for (const [path, entry] of Object.entries(this.manifest.files)) files[path] = [entry.hash, entry.chunks];
    return { identity: this.snapshotIdentity, frozen: this.memory.freeze(), files };
  }

  /** Writes the search snapshot now if memory changed since the last one; returns once it is on disk. */
  saveSnapshot(): Promise<void> {
    return this.snapshots.save();
  }

  /**
   * Gets ready for the first edit while nothing waits: loads the shard store and the tokenizer, and builds the
   * lookups of the snapshot's ids and terms, all of which opening skips to answer the first query sooner.
   */
  prepareForWrites(): void {
    this.shards.preload();
    loadTokenizer();
    this.memory.prepareForWrites();
  }

  /** Flushes a pending snapshot; call before the process exits or the index is dropped. */
  async close(): Promise<void> {
    try {
      if (this.writable) await this.saveSnapshot();
    } finally {
      await this.lock?.release();
      this.lock = undefined;
    }
  }

  /** Takes the write lock for an update if this process opened the index read-only, or says who holds it. */
  private async ensureWritable(): Promise<void> {
    if (this.lock) return;
    // Opening already waited for the lock as long as it was asked to.
    const acquired = await IndexLock.acquire(this.options.indexDir);
    if (!(acquired instanceof IndexLock)) throw new IndexBusyError(this.options.indexDir, acquired.busy);
    this.lock = acquired;
    // Another process may have changed the index while this one only read it: start again from what is on disk.
    const reopened = await DocsIndex.openLocked({ ...this.options, updateAfterOpen: false }, acquired, this.options.log ?? (() => {}));
    this.manifest = reopened.manifest;
    this.memory = reopened.memory;
    this.shards = reopened.shards;
  }

  /** Brings the index up to date with the folder: only added, changed and removed files are touched. */
  async update(options: UpdateOptions = {}): Promise<UpdateSummary> {
    await this.ensureWritable();
    const { signal, progress } = options;
    const summary: UpdateSummary = { added: 0, changed: 0, removed: 0, unchanged: 0, skipped: 0, chunks: 0, cancelled: false };
    let discovered: DiscoveryResult;
    let removals: string[];
    let skipped: SkippedFile[];
    const openingWalk = this.openingWalk;
    this.openingWalk = undefined;
    if (options.paths) {
      const touched = options.paths.map((p) => p.replace(/\\/g, '/').replace(/\/+$/, ''));
      discovered = await filterDocumentPaths(this.options.root, touched, this.options.discovery);
      const present = new Set(discovered.files.map((f) => f.path));
      const affected = (path: string) => touched.some((t) => path === t || path.startsWith(`${t}/`));
      removals = Object.keys(this.manifest.files).filter((path) => affected(path) && !present.has(path));
      // Earlier skip reasons stand, except for the paths looked at now.
      skipped = [...this.manifest.skipped.filter((s) => !affected(s.path)), ...discovered.skipped];
    } else {
      // The walk `open` started serves the update right after opening, not one that comes much later.
      const fresh = openingWalk && Date.now() - openingWalk.startedAt < OPENING_WALK_FRESH_MS;
      discovered = await (fresh ? openingWalk.walk : discoverDocuments(this.options.root, this.options.discovery));
      const present = new Set(discovered.files.map((f) => f.path));
      removals = Object.keys(this.manifest.files).filter((path) => !present.has(path));
      skipped = [...discovered.skipped];
    }
    const maxBytes = this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    // Checked again as each file is read: a link swapped after the walk must not reach outside the folder either.
    const containedIn = this.options.discovery?.followExternalSymlinks ? undefined : await realFolder(this.options.root);

    // Chunks are embedded as soon as a batch is ready, while the chunking workers go on with the next files.
    let toEmbed: PendingFile[] = [];
    let toEmbedChunks = 0;
    let pending: EmbeddedFile[] = [];
    let pendingRemovals: string[] = removals;
    const embedQueued = async () => {
      if (!toEmbed.length) return;
      try {
        pending.push(...(await this.embedFiles(toEmbed, takeIndexed, summary.cancelled ? undefined : signal)));
      } catch (error) {
        if (!signal?.aborted || summary.cancelled) throw error;
        // Cancelled mid-batch: what was already read is still stored, as for a cancel between batches.
        summary.cancelled = true;
        pending.push(...(await this.embedFiles(toEmbed, takeIndexed, undefined)));
      }
      toEmbed = [];
      toEmbedChunks = 0;
    };
    let lastManifestWrite = Date.now();
    let filesWritten = 0;
    const commitPending = async (final: boolean) => {
      const writeManifestFile = final || Date.now() - lastManifestWrite > MANIFEST_EVERY_MS;
      filesWritten += await this.commit(pending, pendingRemovals, skipped, final, writeManifestFile);
      if (writeManifestFile) lastManifestWrite = Date.now();
      pending = [];
      pendingRemovals = [];
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
    const shardOf = new Map(files.map((file) => [file.path, this.shards.shardFor(file.path)]));
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
      if (!indexedChunks.has(path)) indexedChunks.set(path, this.indexedChunksOf(path));
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
        const known = this.manifest.files[file.path];
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
    }
    // Reads started ahead of a cancel still settle; nothing waits on them.
    for (const read of reads.values()) void read.catch(() => undefined);
    await embedQueued();
    await commitPending(true);
    // The search snapshot is written once the update is whole, not after each shard.
    if (filesWritten) this.snapshots.changed(filesWritten > INLINE_UP_TO_FILES ? SNAPSHOT_SOON_MS : SNAPSHOT_QUIET_MS);
    summary.removed = removals.length;
    summary.skipped = skipped.length;
    summary.chunks = this.memory.size;
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
        const known = this.manifest.files[file.path];
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
    indexedOf: (path: string) => IndexedChunks | undefined,
    signal: AbortSignal | undefined,
  ): Promise<EmbeddedFile[]> {
    const all = files.flatMap((file) => {
      const chunks = indexedOf(file.path) ?? [];
      const previousById = new Map(chunks.map(({ id, chunk }) => [id, chunk]));
      const indexed = new Map(chunks.map(({ id, chunk }) => [searchableText(chunk), id]));
      return file.chunks.map((chunk, i) => {
        const id = chunkId(file.path, i);
        const text = searchableText(chunk);
        const previous = previousById.get(id);
        const placement: Placement = !previous || !sameContent(previous, chunk) ? 'new' : sameLines(previous, chunk) ? 'same' : 'moved';
        const vectorFrom = placement === 'new' ? indexed.get(text) : id;
        const vector = vectorFrom === undefined ? undefined : this.memory.vectorOf(vectorFrom);
        return { chunk, id, text, placement, vector, terms: undefined as string[] | undefined };
      });
    });
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

  /**
   * Writes embedded files' shards, then (when asked) the manifest; memory is updated only after the shards.
   * Returns how many files were written or removed.
   */
  private async commit(
    pending: EmbeddedFile[],
    removals: string[],
    skipped: SkippedFile[],
    final: boolean,
    writeManifestFile: boolean,
  ): Promise<number> {
    if (!pending.length && !removals.length && !final) return 0;
    // Chunks that keep their row (unchanged, or only moved) are neither removed nor inserted again.
    const kept = new Set<string>();
    for (const file of pending) {
      file.chunks.forEach((chunk, i) => {
        if (file.placements[i] !== 'new') kept.add(chunk.id);
      });
    }

    const byShard = new Map<number, { remove: string[]; write: StoredChunk[] }>();
    const shardWork = (path: string) => {
      const shard = this.shards.shardFor(path);
      let work = byShard.get(shard);
      if (!work) byShard.set(shard, (work = { remove: [], write: [] }));
      return work;
    };
    for (const path of [...removals, ...pending.map((f) => f.path)]) {
      shardWork(path).remove.push(...chunkIdsOf(path, this.manifest.files[path]?.chunks).filter((id) => !kept.has(id)));
    }
    // Every chunk of a changed file is written, unchanged ones too: each carries the new content hash, so a
    // shard that ran ahead of the manifest (a crash between the two) is told apart from one that agrees with it.
    // Vectra rewrites the whole shard file on any change, so this costs no extra write.
    for (const file of pending) shardWork(file.path).write.push(...file.chunks.map((chunk) => toStoredChunk(chunk, file.hash)));
    const replaced = new Set([...removals, ...pending.map((f) => f.path)]);
    for (const [shard, work] of byShard) {
      // A shard file that is gone or unreadable while memory (from the snapshot) still holds its other files is
      // written again from memory, so the disk does not silently lose them.
      const rewrite = (problem: string) => {
        this.options.log?.(`Index shard ${shard} ${problem}; rewriting it from memory.`);
        return this.shards.recreate(shard, [...this.storedChunksOfShard(shard, replaced), ...work.write]);
      };
      // The one existence check of a write: a new shard is created with its items, a lost one rewritten.
      if (!(await this.shards.exists(shard))) {
        if (this.holdsOtherFilesOf(shard, replaced)) await rewrite('is missing');
        else await this.shards.recreate(shard, work.write);
      } else {
        try {
          await this.shards.apply(shard, work.remove, work.write);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          await rewrite(`could not be updated (${error.message})`);
        }
      }
      const stamp = await this.shards.stampOf(shard);
      if (stamp) this.manifest.shardStamps[shard] = stamp;
    }

    for (const work of byShard.values()) for (const id of work.remove) this.memory.remove(id);
    for (const file of pending) {
      file.chunks.forEach((chunk, i) => {
        if (file.placements[i] === 'moved') this.memory.moveLines(chunk.id, chunk.startLine, chunk.endLine);
        else if (file.placements[i] === 'new') this.memory.add(chunk, file.terms[i]);
      });
    }
    for (const path of removals) delete this.manifest.files[path];
    for (const file of pending) {
      this.manifest.files[file.path] = {
        hash: file.hash,
        size: file.size,
        mtimeMs: file.mtimeMs,
        chunks: file.chunks.length,
      };
    }
    if (final) this.manifest.skipped = skipped;
    // A manifest written later than its shards is safe: items it does not list are dropped when the index opens.
    if (writeManifestFile) await writeManifest(this.options.indexDir, this.manifest);
    return replaced.size;
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
      snapshot: await this.snapshots.status(),
      problems: [...this.problems],
    };
  }

  /** The indexed files, and the chunks one of them has, as searches see them (line ranges 1-based, inclusive). */
  indexedFiles(): string[] {
    return Object.keys(this.manifest.files);
  }

  chunksOf(path: string): ChunkRecord[] {
    return (this.indexedChunksOf(path) ?? []).map(({ chunk }) => chunk);
  }

  get fileCount(): number {
    return Object.keys(this.manifest.files).length;
  }

  get chunkCount(): number {
    return this.memory.size;
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

/** Same text, headings, anchor and count: the chunk indexes and embeds as it did (its lines aside). */
function sameContent(previous: ChunkRecord, chunk: Chunk): boolean {
  return (
    previous.text === chunk.text &&
    previous.anchor === chunk.anchor &&
    previous.tokens === chunk.tokens &&
    previous.headingPath.length === chunk.headingPath.length &&
    previous.headingPath.every((heading, i) => heading === chunk.headingPath[i])
  );
}

function sameLines(previous: ChunkRecord, chunk: Chunk): boolean {
  return previous.startLine === chunk.startLine && previous.endLine === chunk.endLine;
}

function chunkId(path: string, ordinal: number): string {
  return `${path}#${ordinal}`;
}

function chunkIdsOf(path: string, chunks = 0): string[] {
  return Array.from({ length: chunks }, (_, i) => chunkId(path, i));
}

async function clearIndexFiles(dir: string, temporaryOnly = false): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  // Only our own files: the user may have pointed --index at a folder holding other things. Temporary files are
  // what a writer that died left; whoever holds the lock is the only writer, so they are debris.
  const ours = /^(shard-\d+\.json|manifest\.json|search-snapshot\.bin)$/;
  for (const name of names) {
    const temporary = TEMP_FILE.test(name) && ours.test(name.replace(TEMP_FILE, ''));
    if (temporary || (!temporaryOnly && ours.test(name))) await fs.rm(`${dir}/${name}`, { force: true });
  }
}

/**
 * Vectors keep four decimals, in memory as on disk (ranking unit vectors the same, in about half the bytes). On
 * disk each component is an integer count of 1/VECTOR_SCALE: JSON writes and parses integers about three times
 * faster than decimals, and a Vectra query still ranks them right, cosine similarity being blind to scale.
 */
const VECTOR_SCALE = 1e4;

function roundVector(vector: Float32Array): Float32Array {
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = Math.round(vector[i] * VECTOR_SCALE) / VECTOR_SCALE;
  return out;
}

function toStoredChunk(chunk: IndexedChunk, fileHash: string): StoredChunk {
  return {
    id: chunk.id,
    vector: Array.from(chunk.vector, (x) => Math.round(x * VECTOR_SCALE)),
    metadata: {
      path: chunk.path,
      startLine: chunk.startLine,
      endLine: chunk.endLine,
      headingPath: JSON.stringify(chunk.headingPath),
      anchor: chunk.anchor,
      text: chunk.text,
      tokens: chunk.tokens,
      fileHash,
    },
  };
}

/**
 * The stored vector as memory holds it. Shards written before vectors were scaled hold the decimals
 * themselves; a unit vector's largest component is at least 1/sqrt(dimensions), so scaled it is above 1 and
 * unscaled it never is: each item tells which it is.
 */
function storedVector(stored: number[]): Float32Array {
  const scale = stored.some((x) => Math.abs(x) > 1) ? VECTOR_SCALE : 1;
  const vector = new Float32Array(stored.length);
  for (let i = 0; i < stored.length; i++) vector[i] = stored[i] / scale;
  return vector;
}

function toIndexedChunk(item: StoredChunk): IndexedChunk | undefined {
  const m = item?.metadata;
  if (!m || typeof m.path !== 'string' || typeof m.text !== 'string' || !Array.isArray(item.vector)) return undefined;
  if (!Number.isInteger(m.startLine) || !Number.isInteger(m.endLine) || m.startLine < 1 || m.endLine < m.startLine) return undefined;
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
    vector: storedVector(item.vector),
  };
}
