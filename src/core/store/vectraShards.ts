import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { FileStorage, LocalIndex } from 'vectra';
import { fnv1a } from '../hash';
import { writeDataAtomic } from './atomicWrite';

export interface StoredChunk {
  id: string;
  /**
   * Empty: the vector is `metadata.vector`. Shards of earlier versions hold it here, components in units of 1/10,000
   * (integers), or, before that, the decimals themselves.
   */
  vector: number[];
  metadata: {
    path: string;
    startLine: number;
    endLine: number;
    /** JSON array of headings: Vectra metadata holds only scalars. */
    headingPath: string;
    anchor: string;
    text: string;
    tokens: number;
    /** The content hash of the file this chunk was cut from: a chunk whose file's manifest entry differs is stale. */
    fileHash: string;
    /** Components in units of 1/10,000, as 16-bit little-endian integers, in base64 (absent in earlier shards). */
    vector?: string;
  };
}

type VectraModule = typeof import('vectra');
let vectraModule: VectraModule | undefined;

/** Vectra is a large module, needed only to read or write shard files: it is loaded on the first such use. */
function loadVectra(): VectraModule {
  vectraModule ??= require('vectra') as VectraModule; // eslint-disable-line @typescript-eslint/no-require-imports
  return vectraModule;
}

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
/** gzip's first two bytes: JSON never starts with them, so a shard written before compression reads as it is. */
const isGzip = (data: Buffer) => data.length > 1 && data[0] === 0x1f && data[1] === 0x8b;
/**
 * Shards are Vectra's JSON, gzipped: chunk text and integer vectors compress about 3:1, and shards are most of the
 * index on disk. Level 1, in the thread pool: a shard is rewritten on every update of a file in it, and the index
 * worker keeps answering searches meanwhile.
 */
const compress = (content: Buffer | string) => gzipAsync(content, { level: 1 });

/**
 * Vectra's file access, with two changes from its own local storage: a shard is compressed, and written whole under
 * another name, flushed, then renamed over the old one, so a crash mid-write never leaves a torn shard. (Written
 * against Vectra's storage interface rather than extending its class: the shipped Vectra bundle holds `LocalIndex`
 * alone.)
 */
const atomicStorage: FileStorage = {
  createFile: async (file, content) => fs.writeFile(file, await compress(content), { flag: 'wx' }),
  createFolder: async (folder) => {
    await fs.mkdir(folder, { recursive: true });
  },
  deleteFile: (file) => fs.rm(file, { force: true }),
  // Never: Vectra deletes its folder when creating an index file fails (a full disk), and that folder is the whole
  // index. A shard that cannot be written is reported by the caller; nothing else is removed.
  deleteFolder: async () => {},
  getDetails: async (entry) => {
    const stat = await fs.stat(entry);
    return { name: path.basename(entry), path: entry, isFolder: stat.isDirectory() };
  },
  listFiles: async (folder) => {
    const entries = await fs.readdir(folder, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, path: path.join(folder, e.name), isFolder: e.isDirectory() }));
  },
  pathExists: (entry) =>
    fs.access(entry).then(
      () => true,
      () => false,
    ),
  readFile: async (file) => {
    const data = await fs.readFile(file);
    return isGzip(data) ? gunzipAsync(data) : data;
  },
  // Not durable: the manifest's stamp of each shard catches one a power loss left behind (see atomicWrite).
  upsertFile: async (file, content) => writeDataAtomic(file, await compress(content), { durable: false }),
};

/**
 * The vectors and chunk metadata on disk, as Vectra indexes in one folder, one file per shard. Vectra
 * rewrites a whole index file on every update, so chunks are spread over shards by path: updating a file
 * rewrites only its shard. Vectra itself is loaded only when a shard is first read or written.
 */
export class VectraShards {
  private readonly shards: Array<LocalIndex | undefined>;
  /**
   * The shard written last stays loaded, with its file's size and time then: a doc saved again and again
   * rewrites the same shard, which then is not read and parsed again, unless its file changed meanwhile.
   */
  private lastWritten: { shard: number; index: LocalIndex; stamp: string } | undefined;

  constructor(
    readonly dir: string,
    shardCount: number,
  ) {
    this.shards = new Array<LocalIndex | undefined>(shardCount);
  }

  /** Loads Vectra now, so that the first write after opening does not wait for it. */
  preload(): void {
    loadVectra();
  }

  shardFor(filePath: string): number {
    return fnv1a(filePath) % this.shards.length;
  }

  /**
   * A shard's Vectra index. A shard of an earlier version (uncompressed, `shard-NN.json`) is read where it is; a
   * writer first renames it to the current name (either content reads, and a rename keeps the size and time the
   * manifest's stamp records), so the next write compresses it.
   */
  private async shard(shard: number, forWriting: boolean): Promise<LocalIndex> {
    const existing = this.shards[shard];
    if (existing && (!forWriting || existing.indexName === shardFileName(shard))) return existing;
    const { LocalIndex } = loadVectra();
    if (forWriting) await fs.mkdir(this.dir, { recursive: true });
    let name = (await this.existing(shard))?.name;
    if (name === legacyShardFileName(shard) && forWriting) {
      await fs.rename(`${this.dir}/${name}`, `${this.dir}/${shardFileName(shard)}`);
      name = shardFileName(shard);
    }
    return (this.shards[shard] = new LocalIndex(this.dir, name ?? shardFileName(shard), atomicStorage));
  }

  /** The shard's file on disk (the current name, else an earlier version's) with its stat, or undefined when there is none. */
  private async existing(shard: number): Promise<{ name: string; stat: Stats } | undefined> {
    for (const name of [shardFileName(shard), legacyShardFileName(shard)]) {
      const stat = await fs.stat(`${this.dir}/${name}`).catch(() => undefined);
      if (stat) return { name, stat };
    }
    return undefined;
  }

  /**
   * Reads one shard; a missing shard reads as empty (and is not created: reading writes nothing), an unreadable one
   * is reported so the caller can rebuild it.
   */
  async load(shard: number): Promise<{ ok: true; items: StoredChunk[] } | { ok: false; reason: string }> {
    this.drop(shard);
    if (!(await this.exists(shard))) return { ok: true, items: [] };
    // Failing to load Vectra is not a damaged shard: that error propagates, so nothing is rebuilt for it.
    const index = await this.shard(shard, false);
    try {
      if (!(await index.isIndexCreated())) return { ok: true, items: [] };
      const items = (await index.listItems()) as unknown as StoredChunk[];
      if (!Array.isArray(items)) return { ok: false, reason: 'shard has no item list' };
      return { ok: true, items };
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    } finally {
      this.forget(shard);
    }
  }

  async exists(shard: number): Promise<boolean> {
    return (await this.existing(shard)) !== undefined;
  }

  /** Replaces a shard with one holding exactly `items` (an unreadable shard is rewritten from memory). */
  async recreate(shard: number, items: StoredChunk[] = []): Promise<void> {
    await fs.rm(`${this.dir}/${shardFileName(shard)}`, { force: true });
    await fs.rm(`${this.dir}/${legacyShardFileName(shard)}`, { force: true });
    this.drop(shard);
    const index = await this.shard(shard, true);
    await index.createIndex({ version: 1 });
    this.forget(shard);
    if (items.length) await this.apply(shard, [], items);
  }

  /** Applies removals and insertions to one existing shard (see `recreate` for a new one) and writes it once. */
  async apply(shard: number, removeIds: string[], insert: StoredChunk[]): Promise<void> {
    const kept =
      this.lastWritten?.shard === shard && this.lastWritten.stamp === (await this.stampOf(shard)) ? this.lastWritten.index : undefined;
    this.lastWritten = undefined;
    const index = kept ?? (await this.shard(shard, true));
    try {
      await index.beginUpdate();
      try {
        if (removeIds.length) await index.deleteItems(removeIds);
        for (const item of insert) await index.upsertItem(item);
        await index.endUpdate();
      } catch (error) {
        index.cancelUpdate();
        throw error;
      }
      const stamp = await this.stampOf(shard);
      if (stamp) this.lastWritten = { shard, index, stamp };
    } finally {
      this.forget(shard);
    }
  }

  /** The shard file's size and modification time, or undefined when there is none. */
  async stampOf(shard: number): Promise<string | undefined> {
    const stat = (await this.existing(shard))?.stat;
    return stat && `${stat.size}:${stat.mtimeMs}`;
  }

  /**
   * Vectra keeps a loaded index file in memory for good; the search index already holds every chunk, so the
   * copy is dropped and the shard file is read again on its next update (the one written last is kept, above).
   */
  private forget(shard: number): void {
    this.shards[shard] = undefined;
  }

  /** Drops the loaded copy of a shard that is being replaced or read anew. */
  private drop(shard: number): void {
    this.forget(shard);
    if (this.lastWritten?.shard === shard) this.lastWritten = undefined;
  }

  async sizeOnDisk(): Promise<number> {
    let total = 0;
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return 0;
    }
    for (const name of names) {
      try {
        total += (await fs.stat(`${this.dir}/${name}`)).size;
      } catch {
        // A file that vanished between listing and stat adds nothing.
      }
    }
    return total;
  }
}

export function shardFileName(shard: number): string {
  return `shard-${String(shard).padStart(2, '0')}.json.gz`;
}

/** The name of an uncompressed shard, written by versions before 2026-12. */
function legacyShardFileName(shard: number): string {
  return `shard-${String(shard).padStart(2, '0')}.json`;
}
