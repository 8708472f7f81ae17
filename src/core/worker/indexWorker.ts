import { parentPort } from 'node:worker_threads';
import { lowerThreadPriority } from './chunkWorker';
import type { WorkerReply, WorkerRequest } from './protocol';
import { WorkspaceIndex } from './workspaceIndex';

/**
 * The index lives in this worker thread, so that reading, chunking and embedding thousands of files never
 * blocks the extension host's main thread (and with it every other extension's hovers and completions).
 */
const port = parentPort!;
const post = (reply: WorkerReply) => port.postMessage(reply);
let workspace: WorkspaceIndex | undefined;

export function startIndexWorker(): void {
  lowerThreadPriority();
  port.on('message', async (request: WorkerRequest) => {
    try {
      const value = await handle(request);
      post({ id: request.id, type: 'result', value });
    } catch (error) {
      post({ id: request.id, type: 'error', message: (error as Error).message ?? String(error) });
    }
  });
}

async function handle(request: WorkerRequest): Promise<unknown> {
  if (request.type === 'configure') {
    if (workspace) await workspace.reconfigure(request.settings);
    else {
      workspace = new WorkspaceIndex(
        request.settings,
        (message) => post({ type: 'log', message }),
        (folder, done, total) => post({ type: 'progress', folder, done, total }),
      );
    }
    return undefined;
  }
  if (!workspace) throw new Error('the index is not configured yet');
  switch (request.type) {
    case 'update': {
      const summaries = await workspace.update(request.rebuild, request.changedFiles);
      post({ type: 'updated', summaries });
      return summaries;
    }
    case 'cancel':
      workspace.cancel();
      return undefined;
    case 'search':
      return workspace.search(request.query, request.options, request.lexicalOnly);
    case 'status':
      return workspace.status();
    case 'counts':
      return workspace.counts();
    case 'close':
      return workspace.close();
  }
}
