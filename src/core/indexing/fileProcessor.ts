import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { prepareFile, type PrepareRequest, type PreparedFile } from './prepareFile';

/** Where `prepareFile` runs: in this thread, or in a chunking worker so it overlaps embedding and storage. */
export interface FileProcessor {
  prepare(request: PrepareRequest): Promise<PreparedFile>;
  dispose(): Promise<void>;
}

export const inlineFileProcessor: FileProcessor = {
  prepare: prepareFile,
  dispose: async () => {},
};

export interface WorkerScript {
  script: string;
  options?: WorkerOptions;
}

/**
 * One chunking worker keeps up with the thread that embeds, analyzes and stores, which is the slower side:
 * building cpp-docs took the same 13.4 s with one worker as with two, and a second worker's isolate cost about
 * 100 MB more at the peak (docs/memory-profile.md). So the editor and the CLI both run one.
 */
const POOL_SIZE = 1;
/**
 * A chunking worker holds one file at a time (2 MB at most): a small heap keeps it from growing to hundreds of
 * megabytes of garbage before V8 collects (measured on cpp-docs: BENCHMARKS.md, "Memory"). A worker that runs out
 * anyway stops: this thread prepares the files it held, and a new worker takes its place.
 */
const CHUNK_WORKER_HEAP_MB = 96;
/**
 * Its young generation too (V8 gives it 48 MB by default, three 16 MB semi-spaces): what the worker makes, it
 * sends away at once, so little survives a scavenge anyway. The CLI's build of cpp-docs: 357–379 MB at the peak
 * instead of 372–399 MB, for 2–4% more time (alternating runs).
 */
const CHUNK_WORKER_YOUNG_MB = 24;

/** A worker that dies is replaced this many times in one update; after that, the rest is prepared in this thread. */
const MAX_RESTARTS = 8;

export class WorkerFileProcessor implements FileProcessor {
  private workers: Worker[];
  private nextId = 1;
  private pending = new Map<
    number,
    { request: PrepareRequest; worker: Worker; resolve: (result: PreparedFile | Promise<PreparedFile>) => void }
  >();
  private restarts = 0;
  /** Once workers keep dying, the rest of the update is prepared in this thread rather than waiting forever. */
  private broken = false;
  /** Set by `dispose`: workers exiting then are expected, not a failure to take over from. */
  private disposed = false;

  constructor(private readonly script: WorkerScript) {
    this.workers = Array.from({ length: POOL_SIZE }, () => this.start());
  }

  prepare(request: PrepareRequest): Promise<PreparedFile> {
    if (this.broken) return prepareFile(request);
    const id = this.nextId++;
    const worker = this.workers[id % this.workers.length];
    return new Promise((resolve) => {
      this.pending.set(id, { request, worker, resolve });
      worker.postMessage({ id, request });
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private start(): Worker {
    const { script, options } = this.script;
    const worker = new Worker(script, {
      ...options,
      resourceLimits: {
        maxOldGenerationSizeMb: CHUNK_WORKER_HEAP_MB,
        maxYoungGenerationSizeMb: CHUNK_WORKER_YOUNG_MB,
        ...options?.resourceLimits,
      },
    });
    worker.unref();
    worker.on('message', ({ id, result }: { id: number; result: PreparedFile }) => {
      this.pending.get(id)?.resolve(result);
      this.pending.delete(id);
    });
    let gone = false;
    const died = () => {
      if (gone) return;
      gone = true;
      this.takeOver(worker);
    };
    worker.on('error', died);
    worker.on('exit', died);
    return worker;
  }

  /**
   * A worker died (most often a file too large for its small heap): what it was preparing is prepared here, with
   * this thread's heap, so no file is lost or waits forever, and a new worker takes its place for the files after.
   */
  private takeOver(dead: Worker): void {
    if (this.disposed) return;
    const slot = this.workers.indexOf(dead);
    if (slot >= 0 && !this.broken && this.restarts++ < MAX_RESTARTS) this.workers[slot] = this.start();
    else this.broken = true;
    for (const [id, entry] of this.pending) {
      if (entry.worker !== dead && !this.broken) continue;
      entry.resolve(prepareFile(entry.request));
      this.pending.delete(id);
    }
  }
}

/**
 * The worker bundle shipped next to the running bundle (`dist/worker.js`), started as a chunker, if there is one.
 * Running from TypeScript sources (tests), there is none and files are prepared inline.
 */
export function bundledChunkWorker(): WorkerScript | undefined {
  const script = path.join(__dirname, 'worker.js');
  return existsSync(script) ? { script, options: { workerData: { role: 'chunker' } } } : undefined;
}
