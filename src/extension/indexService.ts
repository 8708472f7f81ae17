import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { defaultIndexDir } from '../core/indexLocation';
import { UpdateProgress } from '../core/indexing/updateProgress';
import { EMBEDDER_UNREACHABLE } from '../core/embedding/embedder';
import type { FolderResult, FolderStatus, WorkerSearchOptions, WorkerSettings } from '../core/worker/protocol';
import { IndexConnection } from '../core/worker/indexConnection';
import type { SearchableDocs } from '../core/docsTools/runDocsSearch';
import { indexStateOf } from '../core/retrieval/judgement';
import { formatBytes } from '../core/discovery/readDocument';
import { describeSnapshot } from '../core/store/describeSnapshot';
import { API_KEY_SECRET } from './apiKey';
import { readSettings } from './settings';

const WATCH_DEBOUNCE_MS = 400;
const EDITS_WAIT_MS = 3000;

/**
 * The extension's view of the workspace index: starts the worker on first use, keeps the index current with a
 * debounced file watcher, and shows state in the status bar.
 */
export class IndexService implements vscode.Disposable {
  private readonly connection = new IndexConnection(
    () => this.startWorker(),
    () => this.workerSettings(),
  );
  private readonly statusItem: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private debounce: NodeJS.Timeout | undefined;
  private readonly changedFiles = new Set<string>();
  /** The update of files the watcher or a save reported, while it runs. */
  private editsInFlight: Promise<void> | undefined;
  /** Full updates running (the first build, a rebuild, a new folder or setting): searches do not wait for these. */
  private fullUpdates = 0;
  /** From activation until the first update ends, the index is not ready: said so, never "docs indexed" before. */
  private readonly progress = new UpdateProgress(Boolean(vscode.workspace.workspaceFolders?.length));
  /** Whether an update has finished since activation: until then the index is being built (or caught up). */
  private builtOnce = false;
  /** The first update, which a search may wait for a bounded time. */
  private firstUpdate: Promise<void> | undefined;

  get isIndexing(): boolean {
    return this.progress.indexing;
  }
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after each completed update; views refresh their counts. */
  readonly onDidUpdate = this.changed.event;
  /** Bumped on every completed update, so callers can tell whether a citation may be stale. */
  generation = 0;
  get lastError(): string | undefined {
    return this.progress.error;
  }

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.statusItem = vscode.window.createStatusBarItem('groundwork.index', vscode.StatusBarAlignment.Left, 10);
    this.statusItem.name = 'Groundwork Index';
    this.statusItem.command = 'groundwork.showIndexStatus';
    this.disposables.push(this.statusItem, this.changed);
    const watcher = vscode.workspace.createFileSystemWatcher('**/*');
    const schedule = (uri: vscode.Uri) => {
      if (uri.scheme === 'file' && !uri.path.includes('/.git/') && !uri.path.includes('/node_modules/')) this.scheduleUpdate(uri.fsPath);
    };
    watcher.onDidChange(schedule);
    watcher.onDidCreate(schedule);
    watcher.onDidDelete(schedule);
    this.disposables.push(
      watcher,
      // A save in the editor is known here before the file watcher reports it: a question asked right after it
      // then finds the file as saved (see `search`).
      vscode.workspace.onDidSaveTextDocument((document) => schedule(document.uri)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.reconfigure()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        // The embedder reads the endpoint from `groundwork.model.baseUrl` and redacts by `groundwork.privacy`: a
        // change there must reach it too.
        if (['groundwork.index', 'groundwork.model', 'groundwork.privacy'].some((section) => event.affectsConfiguration(section)))
          this.reconfigure();
      }),
      // A new key or a trust grant changes what the worker's embedder may use; no reload needed.
      context.secrets.onDidChange((event) => {
        if (event.key === API_KEY_SECRET) this.reconfigure();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.reconfigure()),
    );
    this.render();
  }

  /** Starts the first build in the background; returns at once. */
  start(): void {
    if (!vscode.workspace.workspaceFolders?.length) {
      this.progress.finish();
      this.statusItem.hide();
      return;
    }
    this.firstUpdate = this.update(false);
    void this.firstUpdate.then(() => this.watchIndexFolders());
  }

  private indexFolderWatchers: fs.FSWatcher[] = [];

  /**
   * The index folders are the extension's own storage, but a user may delete them (clearing space, a cleanup
   * tool): that is noticed at once, said in the log and rebuilt, never left as an empty index with no word.
   */
  private watchIndexFolders(): void {
    for (const watcher of this.indexFolderWatchers) watcher.close();
    this.indexFolderWatchers = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const dir = this.indexDirFor(folder.uri.fsPath);
      try {
        const watcher = fs.watch(dir, () => {
          if (fs.existsSync(dir)) return;
          watcher.close();
          this.output.warn(`The index folder ${dir} was deleted; building the index of ${folder.name} again.`);
          void this.update(false).then(() => this.watchIndexFolders());
        });
        watcher.on('error', () => watcher.close());
        this.indexFolderWatchers.push(watcher);
      } catch {
        // Not there yet (nothing indexed in that folder): nothing to watch.
      }
    }
  }

  /** The index as the docs search sees it (`#docs`): searching, its state, and a bounded wait for the first build. */
  searchable(): SearchableDocs {
    return {
      search: (query, options) => this.search(query, options),
      indexState: () =>
        indexStateOf({
          updating: this.progress.indexing,
          builtOnce: this.builtOnce,
          ...this.progress.counts,
          pendingChanges: this.changedFiles.size > 0 || this.editsInFlight !== undefined,
        }),
      indexedPaths: () => this.indexedPaths(),
      firstBuild: async (ms) => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.firstUpdate, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
        clearTimeout(timer);
      },
    };
  }

  /** Debounced: a burst of saves (a branch switch, a formatter) becomes one incremental update. */
  scheduleUpdate(changedFile: string): void {
    this.changedFiles.add(changedFile);
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.updateChangedFiles(), WATCH_DEBOUNCE_MS);
  }

  private updateChangedFiles(): Promise<void> {
    clearTimeout(this.debounce);
    const changedFiles = [...this.changedFiles];
    this.changedFiles.clear();
    const edits = this.update(false, changedFiles);
    const tracked = (this.editsInFlight = edits.finally(() => {
      if (this.editsInFlight === tracked) this.editsInFlight = undefined;
    }));
    return tracked;
  }

  /**
   * Files reported changed are indexed before a search, not after the debounce: a passage searched from the index
   * as it was before a save would cite lines that no longer hold its text.
   */
  private async indexPendingEdits(): Promise<void> {
    // During a full build a search answers from what is indexed so far, as it always has; edits follow the build.
    if (this.fullUpdates) return;
    const edits = this.changedFiles.size ? this.updateChangedFiles() : this.editsInFlight;
    if (!edits) return;
    // An edit is indexed in well under a second; a question never waits longer than this for one.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([edits, new Promise((resolve) => (timer = setTimeout(resolve, EDITS_WAIT_MS)))]);
    clearTimeout(timer);
  }

  async update(rebuild: boolean, changedFiles?: string[]): Promise<void> {
    const full = !changedFiles;
    if (full) this.fullUpdates++;
    let failure: string | undefined;
    try {
      this.progress.start();
      this.render();
      const summaries = await this.connection.update({ rebuild, changedFiles });
      for (const s of summaries) {
        if (s.added || s.changed || s.removed) {
          this.output.info(`${s.folder}: ${s.added} added, ${s.changed} changed, ${s.removed} removed, ${s.chunks} chunks`);
        }
      }
      this.generation++;
      this.builtOnce = true;
      this.changed.fire();
    } catch (error) {
      failure = (error as Error).message;
      this.output.error(`Indexing failed: ${failure}`);
    } finally {
      if (full) this.fullUpdates--;
      this.progress.finish(failure);
      this.render();
    }
  }

  /** A full rebuild with a progress notification the user can cancel. */
  async rebuildWithProgress(): Promise<void> {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Groundwork: rebuilding the index', cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(
          () =>
            void this.ready()
              .then((client) => client.request('cancel', {}))
              .catch(() => undefined),
        );
        let reported = 0;
        const timer = setInterval(() => {
          const { done, total } = this.progress.counts;
          if (!total) return;
          const percent = (done / total) * 100;
          progress.report({ message: `${done} of ${total} files`, increment: percent - reported });
          reported = percent;
        }, 250);
        try {
          await this.update(true);
        } finally {
          clearInterval(timer);
        }
      },
    );
  }

  async search(query: string, options: WorkerSearchOptions = {}, lexicalOnly = false): Promise<FolderResult[]> {
    await this.indexPendingEdits();
    const client = await this.ready();
    return client.request('search', { query, options, lexicalOnly });
  }

  /** The passages that document a name from code (the hover's lookup; `#docLookup`), from the local index alone. */
  async lookup(identifier: string, k = 3): Promise<FolderResult[]> {
    await this.indexPendingEdits();
    const client = await this.ready();
    return client.request('lookup', { identifier, k });
  }

  /** The indexed paths of every folder, so the docs tools can tell a filter that matches nothing from "not covered". */
  async indexedPaths(): Promise<string[]> {
    const client = await this.ready();
    return client.request('paths', {});
  }

  /** Files and chunks over all folders, from memory: no disk access, unlike `status`. */
  async counts(): Promise<{ files: number; chunks: number }> {
    const client = await this.ready();
    return client.request('counts', {});
  }

  async status(): Promise<FolderStatus[]> {
    const client = await this.ready();
    return client.request('status', {});
  }

  async describeStatus(): Promise<string> {
    const statuses = await this.status();
    const lines: string[] = [];
    for (const s of statuses) {
      lines.push(
        `## ${s.folder}`,
        `- files indexed: ${s.files}`,
        `- chunks: ${s.chunks}`,
        `- embedder: ${s.embedder} (${s.dimensions} dimensions)`,
        `- size on disk: ${formatBytes(s.sizeOnDiskBytes)} at ${s.indexDir}`,
        `- updated: ${s.updatedAt}`,
        `- search snapshot: ${describeSnapshot(s.snapshot)}`,
        `- skipped files: ${s.skipped.length}`,
        ...s.skipped.map((f) => `  - ${f.path}: ${f.reason}`),
        '',
      );
    }
    return lines.join('\n') || 'No workspace folder is open.';
  }

  private ready() {
    return this.connection.ready();
  }

  /** Loaded here, not at activation: the worker module is only needed once there is something to index. */
  private async startWorker() {
    const { IndexClient } = await import('../core/worker/indexClient');
    return new IndexClient(
      { script: path.join(this.context.extensionPath, 'dist', 'worker.js') },
      (event) => {
        if (event.type === 'progress') {
          this.progress.report(event.done, event.total);
          this.render();
        } else if (event.type === 'log') {
          this.output.warn(event.message);
          if (event.message.includes(EMBEDDER_UNREACHABLE)) void this.offerOfflineEmbedder();
        }
      },
      (error) => {
        this.output.error(`Groundwork's index worker stopped: ${error.message}. It starts again on the next request.`);
        void vscode.window.showWarningMessage(
          `Groundwork: the index worker stopped (${error.message}); it starts again on the next request.`,
        );
      },
    );
  }

  /** A remote embedder that cannot be reached: answers go on from the words of the docs; the offline one needs none. */
  private async offerOfflineEmbedder(): Promise<void> {
    const choice = await vscode.window.showWarningMessage(
      'Groundwork cannot reach the embedding endpoint: answers use the words of your docs alone until it answers. The offline embedder needs no endpoint (the index is built again once).',
      'Use Offline Embedder',
    );
    if (choice)
      await vscode.workspace.getConfiguration('groundwork').update('index.embedder', 'offline', vscode.ConfigurationTarget.Workspace);
  }

  private reconfigure(): void {
    // Searches wait only for the new configuration, not for the update that follows it.
    void this.connection
      .reconfigure()
      .then(() => this.update(false))
      .catch((error) => this.output.error(`Groundwork could not apply the new settings: ${(error as Error).message}`));
  }

  private async workerSettings(): Promise<WorkerSettings> {
    const settings = readSettings();
    const folders = (vscode.workspace.workspaceFolders ?? [])
      .filter((f) => f.uri.scheme === 'file')
      .map((f) => {
        // Each folder's own resource-scoped settings (multi-root: a folder's .vscode/settings.json).
        const own = readSettings(f.uri);
        return { name: f.name, root: f.uri.fsPath, indexDir: this.indexDirFor(f.uri.fsPath), settings: own };
      });
    // The folders' settings say how each is indexed (`indexSetup` in the worker); the key is only what they cannot
    // say, and only in a trusted workspace: remote embeddings send document text off the machine.
    const remote = settings['index.embedder'] === 'openai' && vscode.workspace.isTrusted;
    return {
      folders,
      trusted: vscode.workspace.isTrusted,
      embedder: remote ? { kind: 'openai', apiKey: await this.context.secrets.get(API_KEY_SECRET) } : { kind: 'offline' },
    };
  }

  /** Where the index of a workspace folder lives (the MCP server the editor starts reads it there). */
  indexDirFor(root: string): string {
    const storage = this.context.storageUri?.fsPath;
    // Keyed like the CLI's cache folders, so two workspace folders with the same name never share an index.
    return storage ? path.join(storage, 'index', path.basename(defaultIndexDir(root))) : defaultIndexDir(root);
  }

  private render(): void {
    const { text, tooltip } = this.progress.label();
    this.statusItem.text = text;
    this.statusItem.tooltip = tooltip;
    this.statusItem.show();
  }

  /** Stops the index worker after it writes what it has pending; `deactivate` waits for this. */
  async close(): Promise<void> {
    clearTimeout(this.debounce);
    await this.connection.close();
  }

  dispose(): void {
    for (const watcher of this.indexFolderWatchers) watcher.close();
    void this.close();
    for (const d of this.disposables) d.dispose();
  }
}
