import { type FSWatcher, promises as fs, watch as fsWatch } from 'node:fs';
import path from 'node:path';
import { DocsIndex, type DocsIndexOptions } from '../core/indexing/docsIndex';
import type { SearchableDocs } from '../core/docsTools/runDocsSearch';
import { type IndexState, indexStateOf } from '../core/retrieval/judgement';
import { writerAlive } from '../core/store/indexLock';
import { MANIFEST_FILE } from '../core/store/manifest';

/** How often a reader looks for a commit by the writer (one stat of the manifest). */
const READER_POLL_MS = 1000;
/** How often a writer looks for changed files; a slow walk stretches it to a small share of the time, bounded. */
const WRITER_MIN_INTERVAL_MS = 3000;
const WRITER_MAX_INTERVAL_MS = 15_000;
const WRITER_MAX_SHARE = 0.1;
/** File events are gathered this long before the changed files are indexed (a save writes a file several times). */
const EVENTS_DEBOUNCE_MS = 150;

/**
 * An index kept current for a long-running server. If no other process writes the index, this one does: it
 * updates at start and then whenever files change. If another process writes it (the extension, `groundwork
 * index`), this one only reads, and opens the index again after each commit the writer makes; it takes over the
 * writing if the writer's lock is released by the time it opens again.
 */
export class FollowedIndex implements SearchableDocs {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private manifestStamp: string | undefined;
  private closed = false;
  private ticking: Promise<void> | undefined;
  /** When this process writes: the update that runs now (searches never wait for it), and how long the last took. */
  updating: Promise<unknown> | undefined;
  private lastUpdateMs = 0;
  /** The running update's progress: files read of those it has to read. */
  private progress = { done: 0, total: 0 };
  /** Until an update of this process has finished, an index that was empty at open is being built, not stale. */
  private builtOnce = false;
  /** Files the file system reported changed, not yet indexed: results for them are stale meanwhile. */
  private readonly changed = new Set<string>();
  private watcher: FSWatcher | undefined;
  private eventTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private readonly options: DocsIndexOptions,
    private index: DocsIndex,
  ) {}

  static async open(options: DocsIndexOptions): Promise<FollowedIndex> {
    const followed = new FollowedIndex(options, await DocsIndex.open({ ...options, lockWaitMs: 0 }));
    followed.builtOnce = followed.index.fileCount > 0;
    followed.manifestStamp = await followed.stamp();
    if (followed.index.writable) followed.startUpdate();
    followed.schedule(followed.index.writable ? WRITER_MIN_INTERVAL_MS : READER_POLL_MS);
    followed.watch();
    return followed;
  }

  /**
   * File-system events, as the extension's watcher gives them: a changed doc is indexed within a fraction of a
   * second instead of at the next poll (which stays, bounded, for what events miss: network drives, overflow).
   */
  private watch(): void {
    try {
      this.watcher = fsWatch(this.options.root, { recursive: true, persistent: false }, (_event, name) => {
        if (!name || this.closed || !this.index.writable) return;
        const rel = String(name).replace(/\\/g, '/');
        if (/(^|\/)(\.git|node_modules)(\/|$)/.test(rel) || this.insideIndex(rel)) return;
        this.changed.add(rel);
        clearTimeout(this.eventTimer);
        this.eventTimer = setTimeout(() => void this.indexChanged(), EVENTS_DEBOUNCE_MS);
        this.eventTimer.unref();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // No recursive watching here: the poll alone keeps the index current.
    }
  }

  /** The index's own writes (an index kept inside the docs folder) are not changes to the docs. */
  private insideIndex(rel: string): boolean {
    const indexRel = path.relative(this.options.root, this.options.indexDir).replace(/\\/g, '/');
    return !indexRel.startsWith('..') && !path.isAbsolute(indexRel) && (rel === indexRel || rel.startsWith(`${indexRel}/`));
  }

  private async indexChanged(): Promise<void> {
    await this.updating;
    if (this.closed || !this.index.writable || !this.changed.size) return;
    const paths = [...this.changed];
    this.changed.clear();
    this.updating = this.index
      .update({ paths })
      .catch((error) => this.options.log?.(`Indexing failed: ${(error as Error).message}`))
      .finally(() => {
        this.updating = undefined;
        // Events that came during this update are indexed next.
        if (this.changed.size) void this.indexChanged();
      });
  }

  get current(): DocsIndex {
    return this.index;
  }

  get writable(): boolean {
    return this.index.writable;
  }

  private startUpdate(): void {
    const started = Date.now();
    this.progress = { done: 0, total: 0 };
    this.updating = this.index
      .update({ progress: ({ done, total }) => (this.progress = { done, total }) })
      .then(() => (this.builtOnce = true))
      .catch((error) => this.options.log?.(`Indexing failed: ${(error as Error).message}`))
      .finally(() => {
        this.lastUpdateMs = Date.now() - started;
        this.updating = undefined;
      });
  }

  search(query: string, options: { k: number; pathGlobs?: string[] }) {
    return this.index.search(query, options);
  }

  /** Building while the first build runs; stale while an update reads changed files; otherwise ready. */
  indexState(): IndexState {
    return indexStateOf({
      updating: this.updating !== undefined,
      builtOnce: this.builtOnce,
      ...this.progress,
      pendingChanges: this.changed.size > 0,
    });
  }

  indexedPaths(): string[] {
    return this.index.indexedFiles();
  }

  async firstBuild(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.updating, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        const interval = Math.min(WRITER_MAX_INTERVAL_MS, Math.max(WRITER_MIN_INTERVAL_MS, this.lastUpdateMs / WRITER_MAX_SHARE));
        this.schedule(this.index.writable ? interval : READER_POLL_MS);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.index.writable) {
      await this.updating;
      if (!this.closed) this.startUpdate();
      await this.updating;
      return;
    }
    const stamp = await this.stamp();
    // A writer that exits without a last commit still releases its lock: take over the writing then, not only
    // after a commit that no one will make any more.
    if (stamp === this.manifestStamp && (await writerAlive(this.options.indexDir))) return;
    // The writer committed or left: open again (taking over the writing if its lock is free now), then swap.
    const next = await DocsIndex.open({ ...this.options, lockWaitMs: 0, updateAfterOpen: false });
    const previous = this.index;
    this.index = next;
    this.manifestStamp = stamp;
    await previous.close();
    if (next.writable) this.startUpdate();
  }

  private async stamp(): Promise<string | undefined> {
    const stat = await fs.stat(path.join(this.options.indexDir, MANIFEST_FILE)).catch(() => undefined);
    return stat ? `${stat.size}:${stat.mtimeMs}` : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.eventTimer);
    this.watcher?.close();
    await this.ticking?.catch(() => undefined);
    await this.updating;
    await this.index.close();
  }
}
