/** `npm run bench`: indexing cpp-docs the way the extension does (index worker, chunking workers), in a process of its own. */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RECYCLE_AFTER_FILES } from '../src/core/worker/indexConnection';
import { row } from './benchFormat';

type Log = (line?: string) => void;

interface ProbeResult {
  readyMs: number;
  /** The host's growth plus the whole worker process. */
  addedPeakMb: number;
  addedOpenMb: number;
  /** The host's growth alone. */
  hostAddedPeakMb: number;
  hostAddedOpenMb: number;
  stallMaxMs: number;
  stallP99Ms: number;
  stallP50Ms: number;
}

function probe(root: string, corpus: string, indexDir: string): ProbeResult {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', path.join(root, 'scripts/extensionIndexProbe.ts'), corpus, indexDir],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

/** A fresh build, then the same index opened by a new host (an editor window opened again). */
export async function benchExtensionIndexing(log: Log, root: string, corpus: string, workDir: string, cliBuildMs: number): Promise<void> {
  const indexDir = path.join(workDir, 'cpp-extension-index');
  await fs.rm(indexDir, { recursive: true, force: true });
  const build = probe(root, corpus, indexDir);
  const reopen = probe(root, corpus, indexDir);
  const met = (ok: boolean) => (ok ? 'met' : 'missed');
  log('## Indexing inside the extension (cpp-docs)');
  log();
  log(
    "Command: `npm run bench` (scripts/extensionIndexProbe.ts in a process of its own, standing in for the extension host: the extension's host-side code, `IndexConnection` and `IndexClient`, forks the shipped index worker `dist/worker.js` as a child process, which starts its chunking workers, exactly as in the editor). Memory is resident memory: \"added\" is the host's growth above where it was before the worker started plus the whole worker process (its chunking workers are threads of it), so nothing the index costs is left out; the host's growth alone is in its own column (below zero when the host ended lower than it started, its own garbage collected: the index costs it nothing). The open index is measured 10 s after the last request, once V8 has had the idle time it waits before shrinking a heap. The event loop is the host's, sampled with `perf_hooks.monitorEventLoopDelay` (10 ms resolution) from the start until the index answers a search.",
  );
  log();
  log(
    row([
      'run',
      'ready after',
      'added RSS, peak',
      'added RSS, index open and idle',
      'of which the host, peak / open',
      'event loop delay p50 / p99 / max',
    ]),
  );
  log(row(['---', '---', '---', '---', '---', '---']));
  for (const [name, r] of [
    ['first open: builds the index', build],
    ['opened again (index on disk)', reopen],
  ] as const) {
    log(
      row([
        name,
        `${(r.readyMs / 1000).toFixed(1)} s`,
        `${r.addedPeakMb} MB`,
        `${r.addedOpenMb} MB`,
        `${r.hostAddedPeakMb} / ${r.hostAddedOpenMb} MB`,
        `${r.stallP50Ms} / ${r.stallP99Ms} / ${r.stallMaxMs} ms`,
      ]),
    );
  }
  log();
  log(
    `Targets: added RSS while indexing ≤ 500 MB (${met(build.addedPeakMb <= 500)}: ${build.addedPeakMb} MB); an open index ≤ 250 MB (${met(Math.max(build.addedOpenMb, reopen.addedOpenMb) <= 250)}: ${build.addedOpenMb} MB after building it, ${reopen.addedOpenMb} MB opened again); no event loop stall over 50 ms (${met(Math.max(build.stallMaxMs, reopen.stallMaxMs) <= 50)}: ${Math.max(build.stallMaxMs, reopen.stallMaxMs)} ms at most); ready within 1.5× the CLI's build (${met(build.readyMs <= 1.5 * cliBuildMs)}: ${(build.readyMs / cliBuildMs).toFixed(2)}×, the ready time includes writing the search snapshot and, since the build chunked more than ${RECYCLE_AFTER_FILES} files, replacing the worker process that built it by one that opens the index from that snapshot, which hands all the build's memory back to the system).`,
  );
  log();
  log(
    'Where the memory goes (sampling and a heap snapshot of a build) and what each change bought: [docs/memory-profile.md](docs/memory-profile.md).',
  );
  log();
}
