import { existsSync } from 'node:fs';
import { notebookCellAt } from '../chunking/notebookLines';
import { realFolder } from '../discovery/discover';
import { readDocument } from '../discovery/readDocument';
import { readLimitFor } from '../discovery/readLimits';
import path from 'node:path';
import { DocsIndex, type UpdateSummary } from '../indexing/docsIndex';
import type { ProgressReporter } from '../types';
import { type Settings, withDefaults } from '../settings';
import { indexSetup } from '../setup/indexSetup';
import type { FolderResult, FolderSpec, FolderStatus, WorkerSearchOptions, WorkerSettings } from './protocol';

const PROGRESS_INTERVAL_MS = 500;

/**
 * All folders of a workspace: an index per folder, one search over all of them. Updates are serialized, and a
 * request for an update while one runs is coalesced into one more run after it.
 */
export class WorkspaceIndex {
  /** Opening is shared: a search arriving while the first update opens a folder's index waits for that one. */
  private indexes = new Map<string, Promise<DocsIndex>>();
  private running: Promise<Array<UpdateSummary & { folder: string }>> | undefined;
  /** What the next run must look at: undefined for nothing queued, 'all' for a full walk, or changed files. */
  private queued: 'all' | Set<string> | undefined;
  private controller = new AbortController();

  constructor(
    private settings: WorkerSettings,
    private readonly log: (message: string) => void,
    private readonly progress: (folder: string, done: number, total: number) => void,
  ) {}

  async reconfigure(settings: WorkerSettings): Promise<void> {
    this.cancel();
    await this.running?.catch(() => undefined);
    // The settings change first: a search arriving while the old indexes are closed opens a new one.
    this.settings = settings;
    await this.close();
  }

  /** Writes any pending search snapshots and forgets the open indexes. */
  async close(): Promise<void> {
    const open = [...this.indexes.values()];
    this.indexes.clear();
    for (const index of open) await (await index.catch(() => undefined))?.close();
  }

  cancel(): void {
    this.queued = undefined;
    this.controller.abort();
  }

  /**
   * Brings every folder's index up to date; with `changedFiles` (absolute paths from a file watcher), only
   * those are looked at. A request made while an update runs is merged into a single run after it.
   */
  async update(rebuild = false, changedFiles?: string[]): Promise<Array<UpdateSummary & { folder: string }>> {
    if (this.running) {
      if (!changedFiles || this.queued === 'all') this.queued = 'all';
      else {
        const queued: Set<string> = this.queued ?? new Set<string>();
        for (const file of changedFiles) queued.add(file);
        this.queued = queued;
      }
      return this.running;
    }
    this.controller = new AbortController();
    this.running = this.runUpdates(rebuild, changedFiles);
    try {
      return await this.running;
    } finally {
      this.running = undefined;
      const queued = this.queued;
      this.queued = undefined;
      if (queued) {
        void this.update(false, queued === 'all' ? undefined : [...queued]).catch((error) =>
          this.log(`Indexing failed: ${(error as Error).message}`),
        );
      }
    }
  }

  private async runUpdates(rebuild: boolean, changedFiles: string[] | undefined): Promise<Array<UpdateSummary & { folder: string }>> {
    const summaries: Array<UpdateSummary & { folder: string }> = [];
    for (const folder of this.settings.folders) {
      if (rebuild) {
        // Emptied under the index's own lock, not deleted from outside: another process may be writing it.
        await (await this.indexes.get(folder.name)?.catch(() => undefined))?.close();
        this.indexes.delete(folder.name);
      }
      let paths: string[] | undefined;
      const deleted = await this.indexFolderDeleted(folder);
      if (changedFiles && !rebuild && !deleted) {
        const prefix = folder.root.endsWith(path.sep) ? folder.root : folder.root + path.sep;
        paths = changedFiles.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split(path.sep).join('/'));
        if (!paths.length) continue;
      }
      const index = await this.open(folder.name, rebuild);
      let reported = 0;
      // At most two messages a second reach the extension host, not one per file: each redraws the status bar.
      const progress: ProgressReporter = ({ done, total }) => {
        if (done !== total && Date.now() - reported < PROGRESS_INTERVAL_MS) return;
        reported = Date.now();
        this.progress(folder.name, done, total);
      };
      const summary = await index.update({ signal: this.controller.signal, progress, paths });
      summaries.push({ ...summary, folder: folder.name });
      // The watcher's first edit will need what a search never does; load it now, after the first update.
      if (!paths) setImmediate(() => index.prepareForWrites());
      if (summary.cancelled) break;
    }
    return summaries;
  }

  /**
   * The index folder was deleted from outside while open (a user clearing storage): the open index is dropped
   * and the folder built again from scratch, and the log says why.
   */
  private async indexFolderDeleted(folder: { name: string; indexDir: string }): Promise<boolean> {
    const open = this.indexes.get(folder.name);
    if (!open || existsSync(folder.indexDir)) return false;
    this.indexes.delete(folder.name);
    await (await open.catch(() => undefined))?.close().catch(() => undefined);
    this.log(`${folder.name}: the index folder ${folder.indexDir} was deleted; building the index again.`);
    return true;
  }

  private open(name: string, rebuild = false): Promise<DocsIndex> {
    const existing = this.indexes.get(name);
    if (existing) return existing;
    const folder = this.settings.folders.find((f) => f.name === name)!;
    const { embedder } = this.settings;
    const opening = DocsIndex.open({
      ...indexSetup(folderSettings(folder, this.settings), folder, {
        apiKey: embedder.apiKey,
        trusted: this.settings.trusted,
        dimensions: embedder.dimensions,
        log: (message) => this.log(`${folder.name}: ${message}`),
      }),
      updateAfterOpen: true,
      rebuild,
    });
    this.indexes.set(name, opening);
    // A failed open is not cached: the next request tries again.
    opening.catch(() => this.indexes.get(name) === opening && this.indexes.delete(name));
    return opening;
  }

  /** Results of every folder, each folder's in its own order (see `mergeInOrder`). */
  async search(query: string, options: WorkerSearchOptions = {}, lexicalOnly = false): Promise<FolderResult[]> {
    const lists: FolderResult[][] = [];
    for (const folder of this.settings.folders) {
      const index = await this.open(folder.name);
      const results = lexicalOnly ? index.searchLexical(query, options) : await index.search(query, options);
      lists.push(results.map((result) => ({ ...result, folder: folder.name, root: folder.root })));
    }
    return mergeInOrder(lists, options.k ?? 10);
  }

  /** The passages of every folder that document a name from code, best first (see `lookupIdentifier`). */
  async lookup(identifier: string, k = 3): Promise<FolderResult[]> {
    const hits: Array<{ score: number; result: FolderResult }> = [];
    for (const folder of this.settings.folders) {
      const index = await this.open(folder.name);
      for (const hit of index.lookup(identifier, k))
        hits.push({ score: hit.score, result: { ...hit.result, folder: folder.name, root: folder.root } });
    }
    const best = hits
      .sort((a, b) => b.score - a.score)
      .slice(0, k)
      .map((h) => h.result);
    // A notebook passage names its cell: the file is read (as every read is, inside the folder) to find it.
    for (const result of best) {
      if (!result.path.toLowerCase().endsWith('.ipynb')) continue;
      const read = await readDocument(path.join(result.root, result.path), readLimitFor(result.path), await realFolder(result.root)).catch(
        () => undefined,
      );
      if (!read?.ok) continue;
      // The cell that holds the name (a passage may span several small cells), else the passage's first.
      const name = identifier.split(/\.|::|->/).at(-1) ?? identifier;
      const lines = read.text.split(/\r?\n/);
      let at = result.startLine;
      for (let line = result.startLine; line <= Math.min(result.endLine, lines.length); line++)
        if (lines[line - 1].includes(name)) {
          at = line;
          break;
        }
      const cell = notebookCellAt(read.text, at, at);
      if (cell) result.cell = cell.cell + 1;
    }
    return best;
  }

  async indexedPaths(): Promise<string[]> {
    const paths: string[] = [];
    for (const folder of this.settings.folders) paths.push(...(await this.open(folder.name)).indexedFiles());
    return paths;
  }

  async counts(): Promise<{ files: number; chunks: number }> {
    let files = 0;
    let chunks = 0;
    for (const folder of this.settings.folders) {
      const index = await this.open(folder.name);
      files += index.fileCount;
      chunks += index.chunkCount;
    }
    return { files, chunks };
  }

  async status(): Promise<FolderStatus[]> {
    const statuses: FolderStatus[] = [];
    for (const folder of this.settings.folders) {
      const index = await this.open(folder.name);
      statuses.push({ ...(await index.status()), folder: folder.name });
    }
    return statuses;
  }
}

/**
 * The first `k` of several folders' results, each folder's kept in the order its index ranked them (by file, not
 * by fused score alone): at each place, the folder whose next result has the higher fused score gives it.
 */
export function mergeInOrder<T extends { score: number }>(lists: readonly T[][], k: number): T[] {
  const next = lists.map(() => 0);
  const merged: T[] = [];
  while (merged.length < k) {
    let from = -1;
    lists.forEach((list, i) => {
      if (next[i] < list.length && (from < 0 || list[next[i]].score > lists[from][next[from]].score)) from = i;
    });
    if (from < 0) break;
    merged.push(lists[from][next[from]++]);
  }
  return merged;
}

/**
 * A folder's settings: as the editor sends them, or spelled out field by field (as tests and the bench's stand-in
 * do); either way the index is set up by the one `indexSetup`.
 */
function folderSettings(folder: FolderSpec, all: WorkerSettings): Settings {
  if (folder.settings) return folder.settings;
  const maxFileBytes = folder.maxFileBytes ?? all.maxFileBytes;
  return withDefaults({
    'index.include': folder.include ?? all.include ?? [],
    'index.exclude': folder.exclude ?? all.exclude ?? [],
    'index.followExternalSymlinks': folder.followExternalSymlinks ?? all.followExternalSymlinks ?? false,
    ...(maxFileBytes === undefined ? {} : { 'index.maxFileSizeKB': maxFileBytes / 1024 }),
    'index.embedder': all.embedder.kind,
    ...(all.embedder.model ? { 'index.embeddingModel': all.embedder.model } : {}),
    ...(all.embedder.baseURL ? { 'model.baseUrl': all.embedder.baseURL } : {}),
    ...(all.embedder.redactSecrets === false ? { 'privacy.redactSecrets': false } : {}),
  });
}
