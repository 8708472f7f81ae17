import type { IndexClient } from './indexClient';
import type { WorkerSettings } from './protocol';

/**
 * The index worker as its host sees it: always configured with the current settings, and never dead for long. A
 * worker that stopped is replaced on the next request and configured before it serves anything; a settings or
 * secrets change configures it again, so the embedder never keeps an old key or endpoint.
 */
export class IndexConnection {
  private client: IndexClient | undefined;
  private configured: Promise<IndexClient> | undefined;

  constructor(
    /** Starts a worker; the host learns of its death through the client's `onStopped`. */
    private readonly startWorker: () => IndexClient | Promise<IndexClient>,
    /** The settings as they are now (read again for every configuration). */
    private readonly currentSettings: () => Promise<WorkerSettings>,
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

  /** Stops the worker after it writes what it has pending. */
  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.configured = undefined;
    await client?.dispose();
  }
}
