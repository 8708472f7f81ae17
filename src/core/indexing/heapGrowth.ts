import v8 from 'node:v8';

/**
 * How far V8 lets a heap grow past what survived its last full collection before it collects again, in percent.
 * Left to itself V8 allows up to four times that when a program allocates fast, and indexing does: building
 * cpp-docs allocates 3.2 GB on the main thread for about 110 MB live, so the heap ran to 180–250 MB, mostly
 * garbage. Growing by half: the CLI's build peaks at 375–390 MB instead of 466–522 MB, for 2–3% more time
 * (more, shorter collections; alternating builds in docs/memory-profile.md, the full run in BENCHMARKS.md).
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Applies `HEAP_GROWING_PERCENT` to this process, all its threads included. V8 reads the flag at every collection,
 * so setting it once the process runs is enough (unlike the heap's sizes, fixed when it starts).
 */
export function limitHeapGrowth(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
