import { limitHeapGrowth } from '../indexing/heapGrowth';
import { lowerThreadPriority } from './backgroundPriority';
import type { WorkerReply, WorkerRequest } from './protocol';
import { WorkspaceIndex } from './workspaceIndex';

/**
 * The index lives in this worker process, so that reading, chunking and embedding thousands of files never
 * blocks the extension host (and with it every other extension's hovers and completions), and what a large build
 * allocates goes back to the system when the process ends. It talks to its host over the IPC channel `fork` opens.
 */
const post = (reply: WorkerReply) => process.send!(reply);
let workspace: WorkspaceIndex | undefined;

export function startIndexWorker(): void {
  if (!process.send) {
    process.stderr.write('The index worker is started by Groundwork (it needs an IPC channel to its host).\n');
    process.exit(2);
  }
  lowerThreadPriority();
  limitHeapGrowth();
  process.on('message', async (request: WorkerRequest) => {
    try {
      const value = await handle(request);
      post({ id: request.id, type: 'result', value });
    } catch (error) {
      post({ id: request.id, type: 'error', message: (error as Error).message ?? String(error) });
    }
  });
  // The host closed the channel, or is gone: nothing can ask this worker anything any more. Every write is
  // atomic, and the lock of a process that is gone is taken over by the next writer, so stopping here loses nothing.
  process.on('disconnect', () => process.exit(0));
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
    case 'lookup':
      return workspace.lookup(request.identifier, request.k);
    case 'status':
      return workspace.status();
    case 'paths':
      return workspace.indexedPaths();
    case 'counts':
      return workspace.counts();
    case 'close':
      return workspace.close();
  }
}
