import os from 'node:os';

/** Indexing's priority: below the editor's (0), so a typed key, a hover or a search comes first. */
const BACKGROUND_PRIORITY = 10;

/**
 * Indexing is background work: on Linux this lowers only the calling thread's priority, so the editor comes first.
 * Only the threads that index call it (the worker's main thread, each chunking thread). Lowering V8's garbage
 * collection helpers too was tried: under a busy editor the worker then starved, and a search waited over a minute
 * (the e2e suite's Explain Selection step).
 */
export function lowerThreadPriority(): void {
  try {
    os.setPriority(BACKGROUND_PRIORITY);
  } catch {
    // Not permitted on this platform: run at normal priority.
  }
}
