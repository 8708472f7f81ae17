import { parentPort } from 'node:worker_threads';
import { prepareFile, type PrepareRequest } from '../indexing/prepareFile';
import { loadTokenizer } from '../tokens';
import { lowerThreadPriority } from './backgroundPriority';

/**
 * gpt-tokenizer remembers the merges of the last 100,000 words by default, in each thread. Building cpp-docs with
 * 1,000 took the same CPU time (40 s either way) and about 90 MB less peak memory over two chunking workers;
 * with none it took 56 s.
 */
const CHUNK_WORKER_MERGE_CACHE = 1_000;

/** Serves `prepareFile` requests from a `WorkerFileProcessor`. */
export function startChunkWorker(): void {
  lowerThreadPriority();
  loadTokenizer().setMergeCacheSize(CHUNK_WORKER_MERGE_CACHE);
  parentPort!.on('message', async ({ id, request }: { id: number; request: PrepareRequest }) => {
    try {
      parentPort!.postMessage({ id, result: await prepareFile(request) });
    } catch (error) {
      parentPort!.postMessage({ id, result: { state: 'failed', reason: (error as Error).message } });
    }
  });
}
