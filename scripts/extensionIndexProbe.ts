/**
 * Indexes a folder the way the extension does: the host side (`IndexConnection` and `IndexClient`, what the
 * extension host runs) forks the shipped index worker (`dist/worker.js`, which starts its chunking workers), and
 * this process stands in for the extension host. Prints one JSON line: the host's event loop delay while indexing
 * (perf_hooks.monitorEventLoopDelay), resident memory (this process's growth plus the whole worker process, so
 * nothing the index costs is left out) at its peak and once the index is open and idle, and the time until the
 * index was ready. Run by `npm run bench` (scripts/benchMemory.ts). Linux only (the worker's memory is read from
 * /proc).
 *
 * usage: node --expose-gc --import tsx scripts/extensionIndexProbe.ts CORPUS INDEX_DIR
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { IndexClient } from '../src/core/worker/indexClient';
import { IndexConnection } from '../src/core/worker/indexConnection';

const IDLE_MS = 10_000;

/** A process's resident set in bytes, 0 once it is gone. */
function residentBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const [root, indexDir] = process.argv.slice(2);
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  await settle();
  const baselineRss = process.memoryUsage().rss;
  const workers: IndexClient[] = [];
  // Every worker still running: the one that built the index may overlap its successor for a moment.
  const workersRss = () => workers.reduce((sum, w) => sum + (w.isStopped ? 0 : residentBytes(w.pid)), 0);
  const hostAdded = () => process.memoryUsage().rss - baselineRss;
  let peak = 0;
  let hostPeak = 0;
  const sampler = setInterval(() => {
    const host = hostAdded();
    hostPeak = Math.max(hostPeak, host);
    peak = Math.max(peak, host + workersRss());
  }, 50);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const started = performance.now();
  delay.enable();
  // What the extension's IndexService does: a connection that forks the shipped worker and configures it.
  const connection = new IndexConnection(
    () => {
      const worker = new IndexClient({ script: path.join(__dirname, '..', 'dist', 'worker.js') }, () => {});
      workers.push(worker);
      return worker;
    },
    async () => ({ folders: [{ name: 'docs', root, indexDir }], embedder: { kind: 'offline' } }),
  );
  await connection.update({});
  // Ready when a search is answered (after a large build, by the worker that replaced the one that built it).
  await (await connection.ready()).request('search', { query: 'warm up the search structures', options: { k: 5 } });
  const readyMs = performance.now() - started;
  delay.disable();
  // The index stays open in the worker, as in the editor: what it costs once indexing is over, after the idle
  // time V8 waits before it shrinks an idle heap (its memory reducer starts 8 s after allocation slows down).
  await settle();
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const open = hostAdded() + workersRss();
  const hostOpen = hostAdded();
  clearInterval(sampler);
  await connection.close();
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  console.log(
    JSON.stringify({
      readyMs: Math.round(readyMs),
      workers: workers.length,
      addedPeakMb: mb(peak),
      addedOpenMb: mb(open),
      hostAddedPeakMb: mb(hostPeak),
      hostAddedOpenMb: mb(hostOpen),
      stallMaxMs: Math.round(delay.max / 1e6),
      stallP99Ms: Math.round(delay.percentile(99) / 1e6),
      stallP50Ms: Math.round(delay.percentile(50) / 1e6),
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
