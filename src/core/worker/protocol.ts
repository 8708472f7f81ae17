import type { IndexStatus, UpdateSummary } from '../indexing/docsIndex';
import type { EmbedderSettings } from '../embedding/createEmbedder';
import type { SearchOptions } from '../retrieval/searchIndex';
import type { Settings } from '../settings';
import type { SearchResult } from '../types';

/** Search options that can cross to the worker: everything but the training hook, a function. */
export type WorkerSearchOptions = Omit<SearchOptions, 'observeRanking'>;

/** One workspace folder and where its index lives. */
export interface FolderSpec {
  name: string;
  root: string;
  indexDir: string;
  /**
   * The folder's own settings (its `.vscode/settings.json` in a multi-root workspace), over the workspace's: a
   * folder that excludes more must not have those files indexed, cited or sent.
   */
  include?: string[];
  exclude?: string[];
  followExternalSymlinks?: boolean;
  maxFileBytes?: number;
  /**
   * The folder's whole settings, as the editor reads them with the folder's scope: when given, the index is set up
   * from them by the one setup every surface uses (`indexSetup`), and the fields above are not read.
   */
  settings?: Settings;
}

export interface WorkerSettings {
  folders: FolderSpec[];
  embedder: EmbedderSettings;
  /** With folders' `settings`: whether the workspace is trusted (an untrusted one follows no link out, embeds locally). */
  trusted?: boolean;
  include?: string[];
  exclude?: string[];
  followExternalSymlinks?: boolean;
  maxFileBytes?: number;
}

export interface FolderResult extends SearchResult {
  folder: string;
  root: string;
  /** For a notebook passage: the cell it is in (1-based), so a hover can name it. */
  cell?: number;
}

export interface FolderStatus extends IndexStatus {
  folder: string;
}

/** What the host asks of the index worker; each request gets exactly one reply with the same id. */
export type WorkerRequest =
  | { id: number; type: 'configure'; settings: WorkerSettings }
  | { id: number; type: 'update'; rebuild?: boolean; changedFiles?: string[] }
  | { id: number; type: 'cancel' }
  | { id: number; type: 'search'; query: string; options?: WorkerSearchOptions; lexicalOnly?: boolean }
  | { id: number; type: 'lookup'; identifier: string; k?: number }
  | { id: number; type: 'status' }
  | { id: number; type: 'counts' }
  | { id: number; type: 'paths' }
  | { id: number; type: 'close' };

export type WorkerReply =
  | { id: number; type: 'result'; value: unknown }
  | { id: number; type: 'error'; message: string }
  | { type: 'progress'; folder: string; done: number; total: number }
  | { type: 'log'; message: string }
  | { type: 'updated'; summaries: Array<UpdateSummary & { folder: string }> };

export interface WorkerResults {
  configure: void;
  update: Array<UpdateSummary & { folder: string }>;
  cancel: void;
  search: FolderResult[];
  lookup: FolderResult[];
  status: FolderStatus[];
  counts: { files: number; chunks: number };
  /** Every folder's indexed paths (relative to its folder), for checking an agent's path filter. */
  paths: string[];
  close: void;
}
