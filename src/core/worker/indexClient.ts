import { type ChildProcess, fork } from 'node:child_process';
import type { WorkerReply, WorkerRequest, WorkerResults } from './protocol';

type Pending = { resolve: (value: any) => void; reject: (error: Error) => void };
type RequestBody<T extends WorkerRequest['type']> = Omit<Extract<WorkerRequest, { type: T }>, 'id' | 'type'>;

/** How to start the index worker process. */
export interface IndexWorkerScript {
  /** The worker's entry: the shipped `dist/worker.js`, or a test's entry that loads the TypeScript. */
  script: string;
  /** Node options for the worker process (`INDEX_WORKER_NODE_OPTIONS` unless said; never the host's, such as `--inspect`). */
  execArgv?: string[];
}

/**
 * V8's young generation capped at 8 MB a semi-space (16 by default) in the worker process and its chunking
 * thread: a build of cpp-docs peaks about 35 MB lower for about a second more (BENCHMARKS.md, "Indexing inside
 * the extension"). A V8 flag is process-wide, which a worker thread could not have had without the extension host.
 */
export const INDEX_WORKER_NODE_OPTIONS = ['--max-semi-space-size=8'];

/** The end of the worker's error output kept to explain a death (an out-of-memory message is a few lines). */
const STDERR_TAIL_CHARS = 2000;
/** How long a worker that ended may take to finish its error output. */
const STDERR_WAIT_MS = 500;

/**
 * The host side of the index worker: typed requests, replies matched by id, events to listeners.
 *
 * The worker is a child process, not a thread of the host: everything a large build allocates is handed back to
 * the system when the process ends (a thread's is kept by the host's allocator: 130 MB after building cpp-docs,
 * BENCHMARKS.md), and a worker that runs out of memory or crashes cannot take the extension host, and every other
 * extension in it, down with it.
 */
export class IndexClient {
  private readonly child: ChildProcess;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  /** Set once the worker died: every request from then on fails at once instead of waiting forever. */
  private stopped: Error | undefined;
  private readonly exited: Promise<void>;
  private stderrTail = '';

  constructor(
    worker: IndexWorkerScript,
    private readonly onEvent: (event: Exclude<WorkerReply, { id: number }>) => void,
    private readonly onStopped: (error: Error) => void = () => {},
  ) {
    this.child = fork(worker.script, [], {
      execArgv: worker.execArgv ?? INDEX_WORKER_NODE_OPTIONS,
      // The extension host may be Electron: this makes its binary run the script as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      // Structured clone, as between threads, rather than JSON.
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (text: string) => (this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS)));
    this.child.on('message', (reply: WorkerReply) => {
      if ('id' in reply) {
        const pending = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (reply.type === 'error') pending?.reject(new Error(reply.message));
        else pending?.resolve(reply.value);
      } else this.onEvent(reply);
    });
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        this.fail(new Error(`the index worker failed: ${error.message}`));
        // A worker that could not be started never exits.
        if (this.child.pid === undefined) resolve();
      });
      const stderrRead = new Promise((done) => this.child.stderr!.once('close', done));
      this.child.once('exit', async (code, signal) => {
        // Its last words may still be in the pipe. (The child's own 'close' event does not come when the host
        // closed the channel.)
        await Promise.race([stderrRead, new Promise((done) => setTimeout(done, STDERR_WAIT_MS))]);
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        const said = lastLine(this.stderrTail);
        this.fail(new Error(`the index worker stopped (${how})${said ? `: ${said}` : ''}`));
        resolve();
      });
    });
  }

  /** Whether the worker is gone; a new client must be made for the next request. */
  get isStopped(): boolean {
    return this.stopped !== undefined;
  }

  /** The worker's process id (its memory is its own, not the host's). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  request<T extends WorkerRequest['type']>(type: T, body: RequestBody<T>): Promise<WorkerResults[T]> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...body, id, type } as WorkerRequest, (error) => {
        if (error) this.fail(new Error(`the index worker cannot be reached: ${error.message}`));
      });
    });
  }

  /** Lets the worker write what it has pending (the search snapshot), for at most `graceMs`, then stops it. */
  async dispose(graceMs = 3000): Promise<void> {
    if (this.stopped) return this.exited;
    this.stopped = new Error('the index worker was closed');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    const closed = new Promise<void>((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject: () => resolve() });
      this.child.send({ id, type: 'close' } as WorkerRequest, () => {});
    });
    await Promise.race([closed, grace, this.exited]);
    clearTimeout(timer);
    // Closing the channel ends the worker, busy or not (its writes are atomic); one that does not end is killed.
    if (this.child.connected) this.child.disconnect();
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 1000);
    await this.exited;
    clearTimeout(killer);
  }

  private fail(error: Error): void {
    const first = !this.stopped;
    this.stopped ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    if (first) this.onStopped(error);
  }
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.at(-1) ?? '';
}
