import { readdirSync } from 'node:fs';
import os from 'node:os';

/** Indexing's priority: below the editor's (0), so a typed key, a hover or a search comes first. */
const BACKGROUND_PRIORITY = 10;

/** Indexing is background work: on Linux this lowers only the calling thread's priority, so the editor comes first. */
export function lowerThreadPriority(): void {
  try {
    os.setPriority(BACKGROUND_PRIORITY);
  } catch {
    // Not permitted on this platform: run at normal priority.
  }
}

/**
 * The whole index worker process at background priority. On Linux a priority belongs to a thread, and the threads
 * Node started before this code ran (V8's garbage collection helpers, which mark and sweep beside the main thread)
 * would keep the editor's: each is lowered by its id. Threads started later take it from the thread that starts
 * them. Elsewhere the call without an id already sets the whole process's.
 */
export function lowerProcessPriority(): void {
  lowerThreadPriority();
  if (process.platform !== 'linux') return;
  let threads: string[];
  try {
    threads = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  for (const thread of threads) {
    try {
      os.setPriority(Number(thread), BACKGROUND_PRIORITY);
    } catch {
      // A thread that ended meanwhile.
    }
  }
}
