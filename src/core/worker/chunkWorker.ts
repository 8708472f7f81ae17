import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import { prepareFile, type PrepareRequest } from '../prepareFile';

/** Serves `prepareFile` requests from a `WorkerFileProcessor`. */
export function startChunkWorker(): void {
  lowerThreadPriority();
  parentPort!.on('message', async ({ id, request }: { id: number; request: PrepareRequest }) => {
    try {
      parentPort!.postMessage({ id, result: await prepareFile(request) });
    } catch (error) {
      parentPort!.postMessage({ id, result: { state: 'failed', reason: (error as Error).message } });
    }
  });
}

/** Indexing is background work: on Linux this lowers only the calling thread's priority, so the editor comes first. */
export function lowerThreadPriority(): void {
  try {
    os.setPriority(10);
  } catch {
    // Not permitted on this platform: run at normal priority.
  }
}
