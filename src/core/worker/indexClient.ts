import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest, WorkerResults } from './protocol';

type Pending = { resolve: (value: any) => void; reject: (error: Error) => void };
type RequestBody<T extends WorkerRequest['type']> = Omit<Extract<WorkerRequest, { type: T }>, 'id' | 'type'>;

/** The host side of the index worker: typed requests, replies matched by id, events to listeners. */
export class IndexClient {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  /** Set once the worker died: every request from then on fails at once instead of waiting forever. */
  private stopped: Error | undefined;

  constructor(
    workerScript: string,
    private readonly onEvent: (event: Exclude<WorkerReply, { id: number }>) => void,
    workerOptions: WorkerOptions = {},
    private readonly onStopped: (error: Error) => void = () => {},
  ) {
    this.worker = new Worker(workerScript, workerOptions);
    this.worker.on('message', (reply: WorkerReply) => {
      if ('id' in reply) {
        const pending = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (reply.type === 'error') pending?.reject(new Error(reply.message));
        else pending?.resolve(reply.value);
      } else this.onEvent(reply);
    });
    this.worker.on('error', (error) => this.fail(new Error(`the index worker failed: ${error.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`the index worker stopped (exit code ${code})`)));
  }

  /** Whether the worker is gone; a new client must be made for the next request. */
  get isStopped(): boolean {
    return this.stopped !== undefined;
  }

  request<T extends WorkerRequest['type']>(type: T, body: RequestBody<T>): Promise<WorkerResults[T]> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id, type } as WorkerRequest);
    });
  }

  /** Lets the worker write what it has pending (the search snapshot), for at most `graceMs`, then stops it. */
  async dispose(graceMs = 3000): Promise<void> {
    if (this.stopped) return;
    this.stopped = new Error('the index worker was closed');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    const closed = new Promise<void>((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject: () => resolve() });
      this.worker.postMessage({ id, type: 'close' } as WorkerRequest);
    });
    await Promise.race([closed, grace]);
    clearTimeout(timer);
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    const first = !this.stopped;
    this.stopped ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    if (first) this.onStopped(error);
  }
}
