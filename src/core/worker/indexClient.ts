import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest, WorkerResults } from './protocol';

type Pending = { resolve: (value: any) => void; reject: (error: Error) => void };
type RequestBody<T extends WorkerRequest['type']> = Omit<Extract<WorkerRequest, { type: T }>, 'id' | 'type'>;

/** The host side of the index worker: typed requests, replies matched by id, events to listeners. */
export class IndexClient {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  constructor(
    workerScript: string,
    private readonly onEvent: (event: Exclude<WorkerReply, { id: number }>) => void,
    workerOptions: WorkerOptions = {},
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
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`the index worker stopped (exit code ${code})`)));
  }

  request<T extends WorkerRequest['type']>(type: T, body: RequestBody<T>): Promise<WorkerResults[T]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id, type } as WorkerRequest);
    });
  }

  /** Lets the worker write what it has pending (the search snapshot), for at most `graceMs`, then stops it. */
  async dispose(graceMs = 3000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([this.request('close', {}).catch(() => undefined), grace]);
    clearTimeout(timer);
    await this.worker.terminate();
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
