import os from 'node:os';
import { SearchIndex } from '../retrieval/searchIndex';
import type { SkippedFile } from '../types';
import { acquireWriteLock, clearIndexFiles, describeUnwritable, manifestContent } from './indexFolder';
import { auditShard, storedChunksOfShard } from './shardAudit';
import { spillStringsTo } from './spilledStrings';
import type { SnapshotStatus } from './describeSnapshot';
import { IndexBusyError, IndexLock, IndexLockLostError, IndexReadOnlyError, isUnwritable } from './indexLock';
import { type IndexedFileEntry, type Manifest, writeManifest } from './manifest';
import { readSnapshot, type SnapshotIdentity, type SnapshotFiles } from './searchSnapshot';
import { SnapshotSchedule } from './snapshotSchedule';
import { DEFAULT_SHARDS, openingManifest } from './openingManifest';
import type { FileToCommit, IndexedChunks, IndexStoreOptions } from './storeTypes';
import { chunkIdsOf, pathOfChunkId, toStoredChunk } from './storedChunk';
import { type StoredChunk, VectraShards } from './vectraShards';

export type { FileToCommit, IndexedChunks, IndexStoreOptions, Placement } from './storeTypes';

export { DEFAULT_SHARDS };
/** The search snapshot is rewritten whole, so after small edits it waits for a quiet half minute ... */
export const SNAPSHOT_QUIET_MS = 30_000;
/** ... but after a large update or a load from the shards, the next open should not pay for that again. */
export const SNAPSHOT_SOON_MS = 1_000;

/**
 * The index on disk and in memory, and the one place that writes it: the manifest, the shards, the search snapshot
 * and the lock. Every commit writes shard files first and the manifest last (each file whole: temporary name,
 * flush, rename), so what the manifest reports is always on disk; on open, anything else is detected and repaired.
 */
export class IndexStore {
  private readonly snapshots: SnapshotSchedule;
  /** Problems found since opening, each with its remedy, as the user was told. */
  readonly problems: string[] = [];

  private constructor(
    private readonly options: IndexStoreOptions,
    private manifest: Manifest,
    private shards: VectraShards,
    private memory: SearchIndex,
    private lock: IndexLock | undefined,
  ) {
    // The manifest as opened is what the file holds: a first commit that changes nothing writes nothing.
    this.lastWrittenManifest = manifestContent(manifest);
    this.snapshots = new SnapshotSchedule(
      options.indexDir,
      () => this.captureSnapshot(),
      options.log ?? (() => {}),
      () => this.checkLockHeld(),
    );
  }

  static async open(options: IndexStoreOptions): Promise<IndexStore> {
    const log = options.log ?? (() => {});
    // One writer per index: without the lock this process only reads (and repairs nothing on disk).
    let lock: IndexLock | undefined;
    let unwritable: string | undefined;
    if (!options.readOnly) {
      try {
        lock = await acquireWriteLock(options);
      } catch (error) {
        // A full disk, or an index folder this user may not write (one built in CI, shared read-only): read it.
        if (!isUnwritable(error)) throw error;
        unwritable = describeUnwritable(error);
        log(`${new IndexReadOnlyError(options.indexDir, unwritable).message}.`);
      }
    }
    try {
      const store = await IndexStore.openLocked(options, lock);
      store.unwritable = unwritable;
      return store;
    } catch (error) {
      await lock?.release();
      throw error;
    }
  }

  /** Why this process cannot write the index folder at all (a full disk, no permission), or undefined. */
  unwritable: string | undefined;

  private static async openLocked(options: IndexStoreOptions, lock: IndexLock | undefined): Promise<IndexStore> {
    const log = options.log ?? (() => {});
    const { manifest, rebuild, suspectShards } = await openingManifest(options, log);
    if (lock) await clearIndexFiles(options.indexDir, !rebuild);

    const store = new IndexStore(
      options,
      manifest,
      new VectraShards(options.indexDir, manifest.shardCount),
      // A reader writes nothing in the index folder, not even a scratch file.
      new SearchIndex(options.dimensions, undefined, spillStringsTo(lock ? options.indexDir : os.tmpdir())),
      lock,
    );
    if (options.verifyShards) for (let shard = 0; shard < manifest.shardCount; shard++) suspectShards.add(shard);
    if (!rebuild) await store.load(suspectShards);
    if (rebuild && lock) await writeManifest(options.indexDir, manifest);
    return store;
  }

  /** Records a problem found with the index (and what is done about it) for `status`, and tells the user. */
  report(message: string): void {
    this.problems.push(message);
    this.options.log?.(message);
  }

  /** Whether this process holds the write lock (otherwise it only reads). */
  get writable(): boolean {
    return this.lock !== undefined;
  }

  /** The search index in memory, as searches see it. */
  get searchIndex(): SearchIndex {
    return this.memory;
  }

  /** The files the index holds, with the content hash and chunk count it recorded for each. */
  get files(): Readonly<Record<string, IndexedFileEntry>> {
    return this.manifest.files;
  }

  get skipped(): SkippedFile[] {
    return this.manifest.skipped;
  }

  shardFor(path: string): number {
    return this.shards.shardFor(path);
  }

  private get snapshotIdentity(): SnapshotIdentity {
    const { embedderId, dimensions, chunking, analyzerVersion } = this.manifest;
    return { embedderId, dimensions, chunking, analyzerVersion };
  }

  /**
   * Fills the search index: from the snapshot for every file whose hash it matches, from the shards for the
   * rest (all of them when there is no usable snapshot). The manifest is the truth throughout, and a shard whose
   * file is not as the manifest recorded it (written after it, by a process that died, or damaged) is read and
   * checked item by item, whatever the snapshot holds.
   */
  private async load(suspectShards: Set<number>): Promise<void> {
    for (let shard = 0; shard < this.manifest.shardCount; shard++) {
      if ((await this.shards.stampOf(shard)) !== this.manifest.shardStamps[shard]) suspectShards.add(shard);
    }
    const fromShards = new Set(Object.keys(this.manifest.files));
    const snapshot = fromShards.size ? await readSnapshot(this.options.indexDir, this.snapshotIdentity) : { state: 'missing' as const };
    if (snapshot.state === 'unusable')
      this.report(`The search snapshot could not be used (${snapshot.reason}); loading the index from its shards.`);
    if (snapshot.state === 'ok') {
      this.memory = new SearchIndex(
        this.manifest.dimensions,
        snapshot.frozen,
        spillStringsTo(this.writable ? this.options.indexDir : os.tmpdir()),
      );
      for (const [path, [hash, count]] of Object.entries(snapshot.files)) {
        const entry = this.manifest.files[path];
        if (entry && entry.hash === hash && entry.chunks === count) fromShards.delete(path);
        else for (const id of chunkIdsOf(path, count)) this.memory.remove(id);
      }
    }
    if (fromShards.size || suspectShards.size) {
      await this.loadFromShards(fromShards, suspectShards);
      if (this.writable) this.snapshots.changed(SNAPSHOT_SOON_MS);
    }
  }

  /**
   * Loads the chunks of `paths` from their shards, and checks every item of those shards and of `suspectShards`
   * against the manifest: an item no file lists is dropped; a file whose items are missing, malformed or cut from
   * other content than the manifest records is dropped from the index, to be indexed again by the next update,
   * unless memory already holds it from the snapshot: then the shard is written again from memory.
   */
  private async loadFromShards(paths: Set<string>, suspectShards: Set<number>): Promise<void> {
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
    const remedy = () => (this.writable ? 'rewriting it from memory' : 'the next update rewrites it');
    for (const shard of [...shardsToRead].sort((a, b) => a - b)) {
      const files = filesOf.get(shard) ?? [];
      const loaded = await this.shards.load(shard);
      let rewrite: string | undefined;
      if (!loaded.ok) {
        const lost = files.filter((path) => paths.has(path));
        for (const path of lost) brokenFiles.add(path);
        rewrite = `is unreadable (${loaded.reason})`;
        this.report(
          `Index shard ${shard} ${rewrite}; ${remedy()}` +
            (lost.length ? `, ${lost.length} of its files will be indexed again.` : ', losing nothing.'),
        );
      } else {
        const { orphans, seen, shardBroken, valid } = auditShard(loaded.items, files, this.manifest, this.memory.dimensions);
        for (const chunk of valid) if (paths.has(chunk.path)) this.memory.add(chunk);
        for (const path of shardBroken) {
          if (paths.has(path)) brokenFiles.add(path);
          // Memory holds this file as the manifest records it (from the snapshot): the shard is what is wrong.
          else rewrite = 'disagrees with the manifest';
        }
        if (rewrite) this.report(`Index shard ${shard} ${rewrite}; ${remedy()}.`);
        else if (this.writable) {
          for (const id of seen) if (brokenFiles.has(pathOfChunkId(id))) orphans.push(id);
          const removable = orphans.filter((id) => typeof id === 'string');
          if (removable.length) await this.shards.apply(shard, removable, []);
        }
      }
      if (!this.writable) continue;
      if (rewrite) await this.shards.recreate(shard, storedChunksOfShard(this.memory, this.manifest, this.shards, shard, brokenFiles));
      const stamp = await this.shards.stampOf(shard);
      if (stamp !== this.manifest.shardStamps[shard]) {
        if (stamp === undefined) delete this.manifest.shardStamps[shard];
        else this.manifest.shardStamps[shard] = stamp;
        manifestChanged = true;
      }
    }
    if (brokenFiles.size) {
      this.report(`Repaired the index: ${brokenFiles.size} file(s) did not match what was stored and will be indexed again.`);
      this.dropFiles(brokenFiles);
      manifestChanged = true;
    }
    if (manifestChanged && this.writable) await writeManifest(this.options.indexDir, this.manifest);
  }

  /**
   * Forgets files in memory and in the manifest (not yet on disk), so the next update indexes them again; their
   * shard items are then dropped as orphans.
   */
  dropFiles(paths: Iterable<string>): void {
    for (const path of paths) {
      for (const id of chunkIdsOf(path, this.manifest.files[path]?.chunks)) this.memory.remove(id);
      delete this.manifest.files[path];
    }
  }

  /** Makes the next update read a file again, whatever its size and modification time say. */
  markForReading(path: string): void {
    const entry = this.manifest.files[path];
    if (entry) entry.mtimeMs = -1;
  }

  /** Records a file whose content is unchanged but whose size or modification time moved. */
  touch(path: string, size: number, mtimeMs: number): void {
    const entry = this.manifest.files[path];
    if (!entry) return;
    entry.size = size;
    entry.mtimeMs = mtimeMs;
  }

  /** The chunks a file has indexed now, or undefined for a file not indexed; `withText` false leaves texts empty. */
  indexedChunksOf(path: string, withText = true): IndexedChunks | undefined {
    const entry = this.manifest.files[path];
    if (!entry) return undefined;
    return chunkIdsOf(path, entry.chunks).flatMap((id) => {
      const chunk = this.memory.chunk(id, withText);
      return chunk ? [{ id, chunk }] : [];
    });
  }

  private holdsOtherFilesOf(shard: number, excluded: Set<string>): boolean {
    return Object.keys(this.manifest.files).some((path) => !excluded.has(path) && this.shards.shardFor(path) === shard);
  }

  /**
   * Writes files' shards, then (when asked) the manifest; memory is updated only after the shards. Returns how
   * many files were written or removed.
   */
  async commit(
    pending: FileToCommit[],
    removals: string[],
    skipped: SkippedFile[],
    final: boolean,
    writeManifestFile: boolean,
  ): Promise<number> {
    if (!pending.length && !removals.length && !final) return 0;
    await this.checkLockHeld();
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
        return this.shards.recreate(shard, [
          ...storedChunksOfShard(this.memory, this.manifest, this.shards, shard, replaced),
          ...work.write,
        ]);
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
      this.manifest.files[file.path] = { hash: file.hash, size: file.size, mtimeMs: file.mtimeMs, chunks: file.chunks.length };
    }
    if (final) this.manifest.skipped = skipped;
    // A manifest written later than its shards is safe: items it does not list are dropped when the index opens.
    // One that would say what the file on disk says is not written again: readers reopen on every new manifest.
    if (writeManifestFile && this.manifestChangedSinceWritten()) await writeManifest(this.options.indexDir, this.manifest);
    return replaced.size;
  }

  /** The manifest as last written by this process (its time aside), to tell a commit that changed nothing. */
  private lastWrittenManifest: string | undefined;

  private manifestChangedSinceWritten(): boolean {
    const now = manifestContent(this.manifest);
    if (now === this.lastWrittenManifest) return false;
    this.lastWrittenManifest = now;
    return true;
  }

  /**
   * A writer whose lock is gone (its folder deleted under it, a second writer in since) must not write another
   * byte: it drops the lock it thought it had and stops; the next update takes the lock again (`ensureWritable`).
   */
  private async checkLockHeld(): Promise<void> {
    if (!this.lock || (await this.lock.held())) return;
    this.lock = undefined;
    throw new IndexLockLostError(this.options.indexDir);
  }

  /** Takes the write lock if this store was opened read-only, reloading what another writer changed meanwhile. */
  async ensureWritable(): Promise<void> {
    if (this.lock) return;
    // Opening already waited for the lock as long as it was asked to.
    let acquired: Awaited<ReturnType<typeof IndexLock.acquire>>;
    try {
      acquired = await IndexLock.acquire(this.options.indexDir);
    } catch (error) {
      if (!isUnwritable(error)) throw error;
      this.unwritable = describeUnwritable(error);
      throw new IndexReadOnlyError(this.options.indexDir, this.unwritable);
    }
    if (!(acquired instanceof IndexLock)) throw new IndexBusyError(this.options.indexDir, acquired.busy);
    this.unwritable = undefined;
    this.lock = acquired;
    // Another process may have changed the index while this one only read it: start again from what is on disk.
    const reopened = await IndexStore.openLocked({ ...this.options, rebuild: false, verifyShards: false }, acquired);
    this.manifest = reopened.manifest;
    this.memory.close();
    this.memory = reopened.memory;
    this.shards = reopened.shards;
  }

  private captureSnapshot() {
    const files: SnapshotFiles = {};
    for (const [path, entry] of Object.entries(this.manifest.files)) files[path] = [entry.hash, entry.chunks];
    return { identity: this.snapshotIdentity, plan: this.memory.snapshotPlan(), files };
  }

  /** Memory changed: the search snapshot is written again within `delayMs`. */
  snapshotChanged(delayMs: number): void {
    this.snapshots.changed(delayMs);
  }

  /** Writes the search snapshot now if memory changed since the last one; returns once it is on disk. */
  saveSnapshot(): Promise<void> {
    return this.snapshots.save();
  }

  snapshotStatus(): Promise<SnapshotStatus> {
    return this.snapshots.status();
  }

  sizeOnDisk(): Promise<number> {
    return this.shards.sizeOnDisk();
  }

  get embedderId(): string {
    return this.manifest.embedderId;
  }

  get dimensions(): number {
    return this.manifest.dimensions;
  }

  get updatedAt(): string {
    return this.manifest.updatedAt;
  }

  /** Loads what writing needs ahead of time (the shard store's code), which opening skips. */
  preloadForWrites(): void {
    this.shards.preload();
    this.memory.prepareForWrites();
  }

  /** Flushes a pending snapshot and releases the lock; call before the process exits or the index is dropped. */
  async close(): Promise<void> {
    try {
      if (this.writable) await this.saveSnapshot();
    } finally {
      this.memory.close();
      await this.lock?.release();
      this.lock = undefined;
    }
  }
}
