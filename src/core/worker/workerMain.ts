import { isMainThread, workerData } from 'node:worker_threads';
import { startChunkWorker } from './chunkWorker';
import { startIndexWorker } from './indexWorker';

/**
 * The one worker bundle (`dist/worker.js`): the index worker process the extension forks, or, started as a thread
 * with `{ role: 'chunker' }`, one of the chunking workers the index starts. One bundle ships the code once.
 */
if (!isMainThread && (workerData as { role?: string } | undefined)?.role === 'chunker') startChunkWorker();
else startIndexWorker();
