/** Files larger than this are skipped, unless the settings say otherwise. */
export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;

/** Notebooks carry their outputs (images, tables) inline; only their markdown is indexed, so they may be larger. */
const NOTEBOOK_MAX_BYTES = 50 * 1024 * 1024;

/**
 * The most bytes read of one file at `path`: the index and the docs tools use the same limit, so a tool never
 * reads what the index skips as too large.
 */
export function readLimitFor(path: string, maxBytes = DEFAULT_MAX_FILE_BYTES): number {
  return path.toLowerCase().endsWith('.ipynb') ? Math.max(maxBytes, NOTEBOOK_MAX_BYTES) : maxBytes;
}
