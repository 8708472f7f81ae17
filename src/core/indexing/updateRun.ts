import { statSync } from 'node:fs';
import nodePath from 'node:path';
import { type DiscoveredFile, type DiscoveryResult, discoverDocuments, filterDocumentPaths, realFolder } from '../discovery/discover';
import { DEFAULT_MAX_FILE_BYTES } from '../discovery/readLimits';
import { analyze } from '../retrieval/analyzer';
import type { IndexedChunk } from '../retrieval/searchIndex';
import { type FileToCommit, type IndexedChunks, type IndexStore, SNAPSHOT_QUIET_MS, SNAPSHOT_SOON_MS } from '../store/indexStore';
import { roundVector } from '../store/storedChunk';
import type { ChunkSizing } from '../chunking/chunkDocument';
import type { DiscoveryOptions } from '../discovery/discover';
import type { Embedder } from '../embedding/embedder';
import type { Chunk, ProgressReporter, SkippedFile } from '../types';
import type { WorkerScript } from './fileProcessor';
import { planFileChunks } from './changePlan';
import { type FileProcessor, inlineFileProcessor, WorkerFileProcessor } from './fileProcessor';
import type { PreparedFile } from './prepareFile';

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

/** The folder an index keeps current, as an update needs it (a `DocsIndexOptions`). */
export interface IndexedFolder {
  root: string;
  embedder: Embedder;
  discovery?: DiscoveryOptions;
  maxFileBytes?: number;
  chunkSizing?: ChunkSizing;
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

/** What an update works on: the index's store and folder, and the folder walk `open` started. */
export interface UpdateContext {
  store: IndexStore;
  options: IndexedFolder;
  openingWalk?: { walk: Promise<DiscoveryResult>; startedAt: number };
}

/** What changed in the folder since the index was written: the files there now, those that left, and skips. */
interface ChangePlan {
  discovered: DiscoveryResult;
  removals: string[];
  skipped: SkippedFile[];
}

/** One update of a folder's index: plan what changed, then read, chunk, embed and commit it shard by shard. */
export async function runUpdate(context: UpdateContext, options: UpdateOptions): Promise<UpdateSummary> {
  const summary: UpdateSummary = { added: 0, changed: 0, removed: 0, unchanged: 0, skipped: 0, chunks: 0, cancelled: false };
  const plan = await planChanges(context, options);
  const total = plan.discovered.files.length;
  // Files whose size and modification time match the manifest are not opened at all.
  const files = await filesThatMayHaveChanged(context.store, plan.discovered.files);
  summary.unchanged = total - files.length;
  if (summary.unchanged) options.progress?.({ done: summary.unchanged, total });
  const run = new UpdateRun(context, options, plan, summary, files);
  const filesWritten = await run.run();
  // The search snapshot is written once the update is whole, not after each shard.
  if (filesWritten) context.store.snapshotChanged(filesWritten > INLINE_UP_TO_FILES ? SNAPSHOT_SOON_MS : SNAPSHOT_QUIET_MS);
  summary.removed = plan.removals.length;
  summary.skipped = plan.skipped.length;
  summary.chunks = context.store.searchIndex.size;
  options.progress?.({ done: total, total });
  return summary;
}

/**
 * The files to look at. A watcher's paths are looked at alone, unless one is a folder: a folder among the changed
 * paths (a renamed or copied docs folder) is walked whole, its files are not listed; so is a folder that held
 * indexed files and is gone (renamed or moved as often as deleted, and a watcher does not always say where to).
 */
async function planChanges({ store, options, openingWalk }: UpdateContext, update: UpdateOptions): Promise<ChangePlan> {
  const held = (p: string) => {
    const rel = p.replace(/\\/g, '/').replace(/\/+$/, '');
    // A saved file (the usual event) is no folder: the manifest is not scanned for it.
    if (store.files[rel]) return false;
    return Object.keys(store.files).some((file) => file.startsWith(`${rel}/`));
  };
  const touchesFolder = update.paths?.some((p) => statOrUndefined(nodePath.join(options.root, p))?.isDirectory() || held(p));
  if (update.paths && !touchesFolder) {
    const touched = update.paths.map((p) => p.replace(/\\/g, '/').replace(/\/+$/, ''));
    const discovered = await filterDocumentPaths(options.root, touched, options.discovery);
    const present = new Set(discovered.files.map((f) => f.path));
    const affected = (path: string) => touched.some((t) => path === t || path.startsWith(`${t}/`));
    return {
      discovered,
      removals: Object.keys(store.files).filter((path) => affected(path) && !present.has(path)),
      // Earlier skip reasons stand, except for the paths looked at now.
      skipped: [...store.skipped.filter((s) => !affected(s.path)), ...discovered.skipped],
    };
  }
  // The walk `open` started serves the update right after opening, not one that comes much later.
  const fresh = openingWalk && Date.now() - openingWalk.startedAt < OPENING_WALK_FRESH_MS;
  const discovered = await (fresh ? openingWalk.walk : discoverDocuments(options.root, options.discovery));
  const present = new Set(discovered.files.map((f) => f.path));
  return { discovered, removals: Object.keys(store.files).filter((path) => !present.has(path)), skipped: [...discovered.skipped] };
}

/**
 * The files that are new, or whose size or modification time differ from what the manifest recorded. Plain
 * synchronous stat calls, a batch at a time: three times faster than promises over ten thousand files, and
 * this runs off the editor's thread (in the index worker or the CLI).
 */
async function filesThatMayHaveChanged(store: IndexStore, files: DiscoveredFile[]): Promise<DiscoveredFile[]> {
  const changed: DiscoveredFile[] = [];
  for (let start = 0; start < files.length; start += STAT_BATCH) {
    if (start) await new Promise((resolve) => setImmediate(resolve));
    for (const file of files.slice(start, start + STAT_BATCH)) {
      const known = store.files[file.path];
      const stat = known ? statOrUndefined(file.absolutePath) : undefined;
      if (!stat || stat.size !== known!.size || stat.mtimeMs !== known!.mtimeMs) changed.push(file);
    }
  }
  return changed;
}

/**
 * Reads and chunks the changed files (in chunking workers for large updates, with read-ahead), embeds them in
 * batches while the workers go on, and commits shard by shard: Vectra rewrites a whole shard file on every write,
 * so each is written once per update.
 */
class UpdateRun {
  private toEmbed: PendingFile[] = [];
  private toEmbedChunks = 0;
  private pending: FileToCommit[] = [];
  /**
   * Files that left are removed with the last commit: a file that reappears elsewhere with the same content (a
   * renamed folder) takes their vectors meanwhile, and nothing is embedded again.
   */
  private pendingRemovals: string[] = [];
  private readonly leftByHash: Map<string | undefined, string>;
  private lastManifestWrite = Date.now();
  private filesWritten = 0;
  /**
   * A shard's commit waits on its compression and writes in the thread pool: meanwhile this thread embeds the
   * next shard's files. One commit at a time, in order (the write protocol's order holds); a commit's failure
   * surfaces when the next one starts, or at the end.
   */
  private committing: Promise<void> = Promise.resolve();
  /** A changed file's indexed chunks, looked up once for chunking (inline) and embedding, then let go. */
  private readonly indexedChunks = new Map<string, IndexedChunks | undefined>();
  private readonly reads = new Map<number, Promise<PreparedFile>>();
  private readonly shardOf: Map<string, number>;
  // Starting chunking threads costs more than it saves on a few files (a watcher's edit): those go inline.
  private readonly useWorkers: boolean;
  private readonly processor: FileProcessor;
  private containedIn: string | undefined;

  constructor(
    private readonly context: UpdateContext,
    private readonly options: UpdateOptions,
    private readonly plan: ChangePlan,
    private readonly summary: UpdateSummary,
    private readonly files: DiscoveredFile[],
  ) {
    const { store } = context;
    this.leftByHash = new Map(plan.removals.map((path) => [store.files[path]?.hash, path]));
    this.shardOf = new Map(files.map((file) => [file.path, store.shardFor(file.path)]));
    files.sort((a, b) => this.shardOf.get(a.path)! - this.shardOf.get(b.path)!);
    this.useWorkers = Boolean(context.options.chunkWorker && files.length > INLINE_UP_TO_FILES);
    this.processor = this.useWorkers ? new WorkerFileProcessor(context.options.chunkWorker!) : inlineFileProcessor;
  }

  /** Returns how many files were written. */
  async run(): Promise<number> {
    const { discovery, root } = this.context.options;
    // Checked again as each file is read: a link swapped after the walk must not reach outside the folder either.
    this.containedIn = discovery?.followExternalSymlinks ? undefined : await realFolder(root);
    try {
      await this.processFiles();
    } finally {
      await this.processor.dispose();
      // Whatever ends the loop, no commit is left running behind it (its failure is raised just below).
      await this.committing.catch(() => undefined);
    }
    // Reads started ahead of a cancel still settle; nothing waits on them.
    for (const read of this.reads.values()) void read.catch(() => undefined);
    await this.embedQueued();
    await this.commitPending(true);
    return this.filesWritten;
  }

  private async processFiles(): Promise<void> {
    const { signal, progress } = this.options;
    const { files, summary } = this;
    const total = this.plan.discovered.files.length;
    const readAhead = this.useWorkers ? WORKER_READ_AHEAD : READ_AHEAD;
    let done = summary.unchanged;
    let lastYield = Date.now();
    let currentShard = -1;
    for (let i = 0; i < files.length; i++) {
      if (signal?.aborted) {
        summary.cancelled = true;
        break;
      }
      if (Date.now() - lastYield > YIELD_INTERVAL_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = Date.now();
      }
      for (let ahead = i; ahead < Math.min(files.length, i + readAhead); ahead++) this.readAt(ahead);
      const file = files[i];
      if (this.shardOf.get(file.path) !== currentShard) {
        await this.embedQueued();
        if (summary.cancelled) break;
        if (this.pending.length) await this.commitPending(false);
        currentShard = this.shardOf.get(file.path)!;
      }
      const prepared = await this.readAt(i)!;
      this.reads.delete(i);
      done++;
      progress?.({ done, total, message: file.path });
      this.take(file, prepared);
      if (this.toEmbedChunks >= EMBED_BATCH) {
        await this.embedQueued();
        if (summary.cancelled) break;
      }
    }
  }

  /** A read file as the update counts it: unchanged, touched, skipped, or queued for embedding. */
  private take(file: DiscoveredFile, prepared: PreparedFile): void {
    const { store } = this.context;
    const known = store.files[file.path];
    if (prepared.state === 'unchanged') {
      this.summary.unchanged++;
    } else if (prepared.state === 'same-content') {
      store.touch(file.path, prepared.size, prepared.mtimeMs);
      this.summary.unchanged++;
    } else if (prepared.state === 'failed') {
      this.plan.skipped.push({ path: file.path, reason: prepared.reason });
      if (known) this.pendingRemovals.push(file.path);
    } else {
      this.toEmbed.push({ path: file.path, hash: prepared.hash, size: prepared.size, mtimeMs: prepared.mtimeMs, chunks: prepared.chunks });
      this.toEmbedChunks += prepared.chunks.length;
      if (known) this.summary.changed++;
      else this.summary.added++;
    }
  }

  private readAt(i: number): Promise<PreparedFile> | undefined {
    let read = this.reads.get(i);
    if (!read && i < this.files.length) {
      const file = this.files[i];
      const { store, options } = this.context;
      const known = store.files[file.path];
      // A watcher's edit is chunked here, where the file's indexed chunks are at hand to spare recounting.
      const indexed = this.useWorkers ? undefined : this.indexedOf(file.path);
      const knownTokens = indexed && new Map(indexed.map(({ chunk }) => [chunk.text, chunk.tokens]));
      read = this.processor.prepare({
        path: file.path,
        absolutePath: file.absolutePath,
        containedIn: this.containedIn,
        maxBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
        sizing: options.chunkSizing,
        known,
        knownTokens,
      });
      this.reads.set(i, read);
    }
    return read;
  }

  private indexedOf(path: string): IndexedChunks | undefined {
    if (!this.indexedChunks.has(path)) this.indexedChunks.set(path, this.context.store.indexedChunksOf(path));
    return this.indexedChunks.get(path);
  }

  /** A file's own indexed chunks (let go once taken), or those of the file it moved from (same content, gone). */
  private indexedFor(path: string, hash: string): IndexedChunks | undefined {
    const own = this.indexedOf(path);
    this.indexedChunks.delete(path);
    if (own?.length) return own;
    const movedFrom = this.leftByHash.get(hash);
    return movedFrom === undefined ? own : this.indexedOf(movedFrom);
  }

  /** Chunks are embedded as soon as a batch is ready, while the chunking workers go on with the next files. */
  private async embedQueued(): Promise<void> {
    if (!this.toEmbed.length) return;
    const { signal } = this.options;
    const indexedFor = (path: string, hash: string) => this.indexedFor(path, hash);
    try {
      this.pending.push(...(await embedFiles(this.context, this.toEmbed, indexedFor, this.summary.cancelled ? undefined : signal)));
    } catch (error) {
      if (!signal?.aborted || this.summary.cancelled) throw error;
      // Cancelled mid-batch: what was already read is still stored, as for a cancel between batches.
      this.summary.cancelled = true;
      this.pending.push(...(await embedFiles(this.context, this.toEmbed, indexedFor, undefined)));
    }
    this.toEmbed = [];
    this.toEmbedChunks = 0;
  }

  private async commitPending(final: boolean): Promise<void> {
    await this.committing;
    const writeManifestFile = final || Date.now() - this.lastManifestWrite > MANIFEST_EVERY_MS;
    const removing = final ? [...this.plan.removals, ...this.pendingRemovals] : this.pendingRemovals;
    const commit = this.context.store.commit(this.pending, removing, this.plan.skipped, final, writeManifestFile).then((written) => {
      this.filesWritten += written;
      if (writeManifestFile) this.lastManifestWrite = Date.now();
    });
    this.pending = [];
    this.pendingRemovals = [];
    this.committing = commit;
    // Awaited at the next commit; until then a failure must not count as unhandled.
    commit.catch(() => undefined);
    if (final) await commit;
  }
}

/**
 * Embeds the chunks of these files in batches and analyzes their terms; nothing is written. A chunk whose text
 * (with its headings) is one its file already has indexed keeps that vector: an edit to one section of a long
 * page sends one chunk to the embedder, not the page (with a remote embedder, that is cost and rate limit).
 * Each chunk's placement says what the commit must write for it; only `new` chunks are analyzed.
 */
async function embedFiles(
  { store, options }: UpdateContext,
  files: PendingFile[],
  indexedOf: (path: string, hash: string) => IndexedChunks | undefined,
  signal: AbortSignal | undefined,
): Promise<FileToCommit[]> {
  const memory = store.searchIndex;
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
    const vectors = await options.embedder.embed(
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

function statOrUndefined(absolutePath: string) {
  try {
    return statSync(absolutePath);
  } catch {
    return undefined;
  }
}
