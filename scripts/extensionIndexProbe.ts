/**
 * Indexes a folder the way the extension does, in a process of its own: the host side (`IndexClient`, what the
 * extension host runs) starts the shipped index worker (`dist/worker.js`, which starts its chunking workers), and
 * this process stands in for the extension host. Prints one JSON line: the host's event loop delay while indexing
 * (perf_hooks.monitorEventLoopDelay), the process's resident memory before, at its peak and once the index is
 * open and idle, and the time until the index was ready. Run by `npm run bench` (scripts/benchMemory.ts).
 *
 * usage: node --expose-gc --import tsx scripts/extensionIndexProbe.ts CORPUS INDEX_DIR
 */
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { IndexClient } from '../src/core/worker/indexClient';
import { IndexConnection } from '../src/core/worker/indexConnection';

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
  let peakRss = baselineRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const started = performance.now();
  delay.enable();
  // What the extension's IndexService does: a connection that starts the shipped worker and configures it.
  const connection = new IndexConnection(
    () => new IndexClient(path.join(__dirname, '..', 'dist', 'worker.js'), () => {}),
    async () => ({ folders: [{ name: 'docs', root, indexDir }], embedder: { kind: 'offline' } }),
  );
  await connection.update({});
  // Ready when a search is answered (after a large build, by the worker that replaced the one that built it).
  await (await connection.ready()).request('search', { query: 'warm up the search structures', options: { k: 5 } });
  const readyMs = performance.now() - started;
  delay.disable();
  // The index stays open in the worker, as in the editor: what it costs once indexing is over.
  await settle();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const openRss = process.memoryUsage().rss;
  clearInterval(sampler);
  await connection.close();
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  console.log(
    JSON.stringify({
      readyMs: Math.round(readyMs),
      baselineMb: mb(baselineRss),
      peakMb: mb(peakRss),
      openMb: mb(openRss),
      addedPeakMb: mb(peakRss - baselineRss),
      addedOpenMb: mb(openRss - baselineRss),
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
