import { promises as fs } from 'node:fs';
import type { LocalIndex } from 'vectra';
import { fnv1a } from '../hash';

export interface StoredChunk {
  id: string;
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
  };
}

type VectraModule = typeof import('vectra');
let vectraModule: Promise<VectraModule> | undefined;

/** Vectra, with its NLP model, is a large module: it is loaded the first time an index is opened. */
function loadVectra(): Promise<VectraModule> {
  vectraModule ??= import('vectra');
  return vectraModule;
}

/**
 * The vectors and chunk metadata on disk, as Vectra indexes in one folder, one file per shard. Vectra
 * rewrites a whole index file on every update, so chunks are spread over shards by path: updating a file
 * rewrites only its shard.
 */
export class VectraShards {
  private constructor(
    private readonly shards: LocalIndex[],
    readonly dir: string,
  ) {}

  static async open(dir: string, shardCount: number): Promise<VectraShards> {
    const { LocalIndex } = await loadVectra();
    await fs.mkdir(dir, { recursive: true });
    const shards = Array.from({ length: shardCount }, (_, i) => new LocalIndex(dir, shardFileName(i)));
    return new VectraShards(shards, dir);
  }

  get count(): number {
    return this.shards.length;
  }

  shardFor(filePath: string): number {
    return fnv1a(filePath) % this.shards.length;
  }

  /** Reads one shard; a missing shard is created empty, an unreadable one reported so the caller can rebuild it. */
  async load(shard: number): Promise<{ ok: true; items: StoredChunk[] } | { ok: false; reason: string }> {
    const index = this.shards[shard];
    try {
      if (!(await index.isIndexCreated())) {
        await index.createIndex({ version: 1 });
        return { ok: true, items: [] };
      }
      const items = (await index.listItems()) as unknown as StoredChunk[];
      if (!Array.isArray(items)) return { ok: false, reason: 'shard has no item list' };
      await this.forget(shard);
      return { ok: true, items };
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
  }

  async recreate(shard: number): Promise<void> {
    const { LocalIndex } = await loadVectra();
    await fs.rm(`${this.dir}/${shardFileName(shard)}`, { force: true });
    this.shards[shard] = new LocalIndex(this.dir, shardFileName(shard));
    await this.shards[shard].createIndex({ version: 1 });
  }

  /** Applies removals and insertions to one shard and writes it once. */
  async apply(shard: number, removeIds: string[], insert: StoredChunk[]): Promise<void> {
    const index = this.shards[shard];
    await index.beginUpdate();
    try {
      if (removeIds.length) await index.deleteItems(removeIds);
      for (const item of insert) await index.upsertItem(item);
      await index.endUpdate();
    } catch (error) {
      index.cancelUpdate();
      throw error;
    } finally {
      await this.forget(shard);
    }
  }

  /**
   * Vectra keeps a loaded index file in memory for good; the search index already holds every chunk, so the
   * copy is dropped and the shard file is read again on its next update.
   */
  private async forget(shard: number): Promise<void> {
    const { LocalIndex } = await loadVectra();
    this.shards[shard] = new LocalIndex(this.dir, shardFileName(shard));
  }

  async sizeOnDisk(): Promise<number> {
    let total = 0;
    for (const name of await fs.readdir(this.dir)) {
      try {
        total += (await fs.stat(`${this.dir}/${name}`)).size;
      } catch {
        // A file that vanished between listing and stat adds nothing.
      }
    }
    return total;
  }
}

function shardFileName(shard: number): string {
  return `shard-${String(shard).padStart(2, '0')}.json`;
}
