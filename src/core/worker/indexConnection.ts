import type { IndexClient } from './indexClient';
import type { WorkerRequest, WorkerResults, WorkerSettings } from './protocol';

/**
 * An update that chunked at least this many files leaves the worker process far larger than the index it holds
 * (V8 and the allocator keep what the build used): the worker is then replaced by a new process that opens the
 * index from its fresh search snapshot, and the old one's memory goes back to the system. Measured on cpp-docs
 * (BENCHMARKS.md, "Indexing inside the extension").
 */
export const RECYCLE_AFTER_FILES = 1000;
/** Replacing the worker waits this long for it to write the search snapshot of a large index. */
const RECYCLE_GRACE_MS = 120_000;

/**
 * The index worker as its host sees it: always configured with the current settings, and never dead for long. A
 * worker that stopped is replaced on the next request and configured before it serves anything; a settings or
 * secrets change configures it again, so the embedder never keeps an old key or endpoint.
 */
export class IndexConnection {
  private client: IndexClient | undefined;
  private configured: Promise<IndexClient> | undefined;
  /** A replaced worker writing its snapshot and releasing the index: the next worker starts once it is done. */
  private recycling: Promise<void> = Promise.resolve();

  constructor(
    /** Starts a worker; the host learns of its death through the client's `onStopped`. */
    private readonly startWorker: () => IndexClient | Promise<IndexClient>,
    /** The settings as they are now (read again for every configuration). */
    private readonly currentSettings: () => Promise<WorkerSettings>,
    private readonly recycleAfterFiles = RECYCLE_AFTER_FILES,
  ) {}

  /** A configured worker: the running one, or a new one if it died. */
  ready(): Promise<IndexClient> {
    if (this.client?.isStopped) {
      this.client = undefined;
      this.configured = undefined;
    }
    this.configured ??= this.configure();
    return this.configured;
  }

  /** Settings or secrets changed: requests from now on wait for the worker to be configured with them. */
  reconfigure(): Promise<IndexClient> {
    if (this.client?.isStopped) this.client = undefined;
    this.configured = this.configure();
    return this.configured;
  }

  private configure(): Promise<IndexClient> {
    const configured = (async () => {
      await this.recycling;
      const client = (this.client ??= await this.startWorker());
      await client.request('configure', { settings: await this.currentSettings() });
      return client;
    })();
    // A failed configuration is not kept: the next request tries again.
    configured.catch(() => {
      if (this.configured === configured) this.configured = undefined;
    });
    return configured;
  }

  /**
   * Updates the index; after a large update the worker is replaced (see `RECYCLE_AFTER_FILES`), and the next
   * request starts a new one, which opens the index from the snapshot the old one wrote on closing.
   */
  async update(request: Omit<Extract<WorkerRequest, { type: 'update' }>, 'id' | 'type'>): Promise<WorkerResults['update']> {
    const client = await this.ready();
    const summaries = await client.request('update', request);
    const chunked = summaries.reduce((sum, s) => sum + s.added + s.changed, 0);
    if (chunked >= this.recycleAfterFiles && this.client === client) {
      this.client = undefined;
      this.configured = undefined;
      this.recycling = client.dispose(RECYCLE_GRACE_MS);
      await this.recycling;
    }
    return summaries;
  }

  /** Stops the worker after it writes what it has pending. */
  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.configured = undefined;
    await client?.dispose();
  }
}
