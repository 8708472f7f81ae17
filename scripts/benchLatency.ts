/** `npm run bench` on cpp-docs: indexing it all, opening it in a fresh process, query, hover and edit latency. */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { benchIdentifiers, readIdentifiers } from './benchIdentifiers';
import { ms, percentile, row } from './benchFormat';
import { dirSize, log, openIndex, ROOT, runChild, WORK } from './benchSupport';
import { EVAL, readDevQueries } from './evalSets';

const BUILD_RUNS = 3;
/** The largest file in cpp-docs, one of the edited ones. */
const LARGEST_DOC = 'docs/mfc/reference/cwnd-class.md';
const EDIT_KINDS = ['end', 'middle'] as const;
/** Issue 31: any single-file edit searchable within this, the largest file included. */
const EDIT_TARGET_MS = 150;
type EditKind = (typeof EDIT_KINDS)[number];

export interface CppIndex {
  corpusCopy: string;
  cppIndex: string;
  buildWallMs: number;
  snapshotBytes: number;
}

/** Three fresh builds of a copy of cpp-docs through the shipped CLI bundle: time, memory, size on disk. */
export async function benchScale(): Promise<CppIndex> {
  // 2. Indexing at scale, in a child process running the shipped CLI bundle.
  log('## Indexing all of cpp-docs');
  log();
  const corpusCopy = path.join(WORK, 'cpp-docs-copy');
  await fs.rm(corpusCopy, { recursive: true, force: true });
  await fs.cp(path.join(EVAL, 'cpp-docs', 'corpus'), corpusCopy, { recursive: true });
  const cppIndex = path.join(WORK, 'cpp-index');
  // Three fresh builds: on a shared two-core machine one run's wall time can be off by a few seconds.
  const builds = [];
  for (let run = 0; run < BUILD_RUNS; run++) {
    await fs.rm(cppIndex, { recursive: true, force: true });
    builds.push(runChild([path.join(ROOT, 'dist/cli.js'), 'index', corpusCopy, '--index', cppIndex, '--json']));
  }
  const wallTimes = builds.map((b) => b.wallMs).sort((a, b) => a - b);
  const build = { wallMs: percentile(wallTimes, 0.5), maxRssKb: Math.max(...builds.map((b) => b.maxRssKb)) };
  const floors: number[] = [];
  for (let run = 0; run < BUILD_RUNS; run++) floors.push(tokenFloorMs(corpusCopy));
  const floorMs = percentile(floors, 0.5);
  const summary = JSON.parse(builds[0].stdout);
  const corpusBytes = Number(execFileSync('du', ['-sb', corpusCopy], { encoding: 'utf8' }).split('\t')[0]);
  const indexBytes = await dirSize(cppIndex);
  const snapshotBytes = (await fs.stat(path.join(cppIndex, 'search-snapshot.bin'))).size;
  log(
    'Command: `node dist/cli.js index <copy of ../shared/eval/cpp-docs/corpus> --index DIR` (a copy, so the update test below can edit it).',
  );
  log();
  log(
    row([
      'files',
      'chunks',
      `wall time (median of ${BUILD_RUNS})`,
      'the floor: read and count tokens once',
      'build / floor (target ≤ 1.5×)',
      'throughput',
      'peak RSS (highest)',
      'index on disk',
    ]),
  );
  log(row(['---', '---', '---', '---', '---', '---', '---', '---']));
  log(
    row([
      summary.added,
      summary.chunks,
      `${(build.wallMs / 1000).toFixed(1)} s`,
      `${(floorMs / 1000).toFixed(1)} s`,
      `${(build.wallMs / floorMs).toFixed(2)}×`,
      `${(corpusBytes / 1e6 / (build.wallMs / 1000)).toFixed(2)} MB/s`,
      `${(build.maxRssKb / 1024).toFixed(0)} MB`,
      `${(indexBytes / 1e6).toFixed(0)} MB`,
    ]),
  );
  log();
  log(
    `The floor is what no build can do without: every file the index reads (its own discovery), read once and its tokens counted once with the build's own counter (\`countTokens\`), in a process of its own (scripts/tokenFloor.ts, timed from after its modules load; the build's wall time includes Node's start and loading its bundle, about 0.3 s), median of ${BUILD_RUNS}; the build also parses, chunks, embeds, analyzes and writes. Build ≤ 1.5× the floor: ${build.wallMs <= 1.5 * floorMs ? 'met' : 'missed'}. ` +
      `Targets: ≤ 30 s (${build.wallMs <= 30000 ? 'met' : 'missed'}), peak RSS ≤ 400 MB (${build.maxRssKb <= 400 * 1024 ? 'met' : 'missed'}), index on disk ≤ 3× the corpus (${indexBytes <= 3 * corpusBytes ? 'met' : 'missed'}: ${(indexBytes / corpusBytes).toFixed(1)}× its ${(corpusBytes / 1e6).toFixed(0)} MB; the search snapshot is ${(snapshotBytes / 1e6).toFixed(0)} MB of it, the Vectra shards the rest). The ${BUILD_RUNS} builds took ${wallTimes.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}. Chunking runs in one worker thread (a second was no faster and cost about 100 MB) while the main thread embeds and writes each shard once, as soon as its files are done; the wall time and peak include writing the search snapshot at the end. The ≤ 30 s target is an earlier release's; the memory work also asks for a build no slower than the release before it (\`f4a48cc\`), which only alternating builds of both on one machine can show: docs/memory-profile.md ("Build time").`,
  );
  log();

  return { corpusCopy, cppIndex, buildWallMs: build.wallMs, snapshotBytes };
}

/** The floor (scripts/tokenFloor.ts) in a process of its own: a cold token counter, as a build's is. */
function tokenFloorMs(root: string): number {
  const output = execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'tokenFloor.ts'), root], {
    encoding: 'utf8',
  });
  return (JSON.parse(output) as { ms: number }).ms;
}

/** Opening the built index in a fresh process (with and without its search snapshot), and Node's own start. */
async function measureOpens({ corpusCopy, cppIndex }: CppIndex) {
  // 3. Opening a built index and answering the first query, as a fresh process would.
  const openRun = runChild([
    path.join(ROOT, 'dist/cli.js'),
    'search',
    corpusCopy,
    'how do I use _beginthreadex',
    '--index',
    cppIndex,
    '--json',
    '--k',
    '5',
  ]);
  const noop = runChild(['-e', '0']);
  const rayOpen = runChild([
    path.join(ROOT, 'dist/cli.js'),
    'search',
    path.join(EVAL, 'ray-docs', 'corpus'),
    'how do I run TorchTrainer on gpu',
    '--index',
    path.join(WORK, 'ray-docs'),
    '--json',
    '--k',
    '5',
  ]);
  // The fallback: an index without its search snapshot (written by an older version, or the file damaged).
  const withoutSnapshot = path.join(WORK, 'cpp-index-no-snapshot');
  await fs.rm(withoutSnapshot, { recursive: true, force: true });
  await fs.cp(cppIndex, withoutSnapshot, { recursive: true });
  await fs.rm(path.join(withoutSnapshot, 'search-snapshot.bin'));
  const fallbackOpen = runChild([
    path.join(ROOT, 'dist/cli.js'),
    'search',
    corpusCopy,
    'how do I use _beginthreadex',
    '--index',
    withoutSnapshot,
    '--json',
    '--k',
    '5',
  ]);
  const sameAnswer = JSON.parse(fallbackOpen.stdout).results[0].path === JSON.parse(openRun.stdout).results[0].path;
  if (!sameAnswer) throw new Error('the index opened from its shards answers differently from the snapshot');

  return { openRun, noop, rayOpen, fallbackOpen };
}

/** Queries, hovers and edits in process, as the extension's index worker runs them; the identifier table too. */
async function measureLatency({ corpusCopy, cppIndex }: CppIndex) {
  // 4. Query latency and edit-to-searchable latency, in process, on the cpp-docs index.
  const index = await openIndex(corpusCopy, cppIndex);
  // As the extension's index worker does once a folder is open: check every file, then get ready for edits.
  await index.update();
  index.prepareForWrites();
  const questions = (await readDevQueries('ray-docs'))
    .map((q) => q.question)
    .concat((await readDevQueries('scifact')).slice(0, 136).map((q) => q.question));
  for (const q of questions.slice(0, 20)) await index.search(q);
  // Each question is also asked ranked by fused score alone, right after: what the file ranking costs, on the same
  // machine at the same minute (a shared machine's speed drifts between runs).
  const latencies: number[] = [];
  const byPassageLatencies: number[] = [];
  for (const q of questions) {
    let t0 = performance.now();
    await index.search(q, { k: 10 });
    latencies.push(performance.now() - t0);
    t0 = performance.now();
    await index.search(q, { k: 10, ranking: 'passages' });
    byPassageLatencies.push(performance.now() - t0);
  }
  // Hover: one word, through the identifier lookup the hover provider asks the worker for.
  const words = [...new Set(questions.join(' ').match(/[A-Za-z_]{4,}/g) ?? [])].slice(0, 300);
  const hovers: number[] = [];
  for (const word of words) {
    const t0 = performance.now();
    index.lookup(word, 3);
    hovers.push(performance.now() - t0);
  }
  // The identifier table (hover and lookup_docs) on both identifier sets; ray-docs' index is built for it here.
  const rayForIdentifiers = await openIndex(path.join(EVAL, 'ray-docs', 'corpus'), path.join(WORK, 'ray-identifiers'));
  await rayForIdentifiers.update();
  benchIdentifiers(log, [
    { name: 'ray-docs', index: rayForIdentifiers, identifiers: await readIdentifiers('ray-docs') },
    { name: 'cpp-docs', index, identifiers: await readIdentifiers('cpp-docs') },
  ]);
  await rayForIdentifiers.close();
  // Two kinds of edit per file: a paragraph added at the end, and one inserted in the middle (every chunk below
  // it moves to new lines, and a section may be split differently).
  const edits: Record<EditKind, number[]> = { end: [], middle: [] };
  const targets = [
    'docs/c-runtime-library/reference/fopen-wfopen.md',
    'docs/build/reference/eh-exception-handling-model.md',
    'docs/cpp/lambda-expressions-in-cpp.md',
    LARGEST_DOC,
    'docs/atl/reference/ccomptr-class.md',
  ];
  for (const kind of EDIT_KINDS) {
    for (const [i, target] of targets.entries()) {
      const word = `zorblax${kind}${i}quux`;
      const file = path.join(corpusCopy, target);
      const t0 = performance.now();
      const text = await fs.readFile(file, 'utf8');
      const at = kind === 'end' ? text.length : text.indexOf('\n\n', Math.floor(text.length / 2));
      await fs.writeFile(file, `${text.slice(0, at)}\n\nThe ${word} setting controls nothing at all.\n${text.slice(at)}`);
      // As the extension does: its file watcher reports the changed path.
      await index.update({ paths: [target] });
      const [top] = await index.search(`${word} setting`, { k: 1 });
      edits[kind].push(performance.now() - t0);
      if (top?.path !== target) throw new Error(`edit to ${target} not found by search`);
    }
  }
  // The search snapshot written after those edits, as the extension's timer writes it after a save: its time, and
  // the memory it adds while it writes (sampled every 5 ms).
  const beforeSave = process.memoryUsage().rss;
  let saveRss = beforeSave;
  const saveSampler = setInterval(() => (saveRss = Math.max(saveRss, process.memoryUsage().rss)), 5);
  const saveStarted = performance.now();
  await index.saveSnapshot();
  const saveMs = performance.now() - saveStarted;
  clearInterval(saveSampler);
  saveRss = Math.max(saveRss, process.memoryUsage().rss);
  await index.close();

  return { latencies, byPassageLatencies, hovers, edits, targets, saveMs, saveRss, beforeSave };
}

export async function benchLatency(cpp: CppIndex): Promise<void> {
  const { corpusCopy, snapshotBytes } = cpp;
  const { openRun, noop, rayOpen, fallbackOpen } = await measureOpens(cpp);
  const { latencies, byPassageLatencies, hovers, edits, targets, saveMs, saveRss, beforeSave } = await measureLatency(cpp);
  log('## Latency on the cpp-docs index');
  log();
  log(row(['measure', 'result', 'target']));
  log(row(['---', '---', '---']));
  log(row([`query, ${latencies.length} real questions (ray-docs and scifact dev), k = 10: p50`, ms(percentile(latencies, 0.5)), '≤ 8 ms']));
  log(row(['query p95', ms(percentile(latencies, 0.95)), '≤ 20 ms']));
  log(
    row([
      '… ranked by fused score alone (no file ranking), p50 / p95',
      `${ms(percentile(byPassageLatencies, 0.5))} / ${ms(percentile(byPassageLatencies, 0.95))}`,
      '',
    ]),
  );
  log(row([`hover lookup (one word, the identifier lookup), ${hovers.length} words: p95`, ms(percentile(hovers, 0.95)), '≤ 10 ms']));
  const largest = targets.indexOf(LARGEST_DOC);
  const largestBytes = (await fs.stat(path.join(corpusCopy, LARGEST_DOC))).size;
  for (const kind of EDIT_KINDS) {
    const what = `edit one file (a paragraph ${kind === 'end' ? 'added at the end' : 'inserted in the middle'}) → found by search`;
    log(row([`${what} (update of the reported path + query), median of 5`, ms(percentile(edits[kind], 0.5)), `≤ ${EDIT_TARGET_MS} ms`]));
    log(row([`… the same, worst of 5`, ms(Math.max(...edits[kind])), `≤ ${EDIT_TARGET_MS} ms`]));
  }
  log(
    row([
      'search snapshot written after those edits (as the editor writes it after a save): time / memory added while writing',
      `${ms(saveMs)} / ${((saveRss - beforeSave) / 2 ** 20).toFixed(0)} MB`,
      '',
    ]),
  );
  log(
    row(['fresh process: `groundwork search` (open the index, check every file for changes, answer), wall', ms(openRun.wallMs), '≤ 0.5 s']),
  );
  log(
    row([
      'of which Node start-up alone (`node -e 0`)',
      `${ms(noop.wallMs)} (the search takes ${(openRun.wallMs / noop.wallMs).toFixed(1)}× it)`,
      '',
    ]),
  );
  log(row(['fresh process, peak RSS', `${(openRun.maxRssKb / 1024).toFixed(0)} MB`, '']));
  log(row(['the same on the ray-docs index (535 files), wall', ms(rayOpen.wallMs), '≤ 1 s']));
  log(
    row([
      'fallback: the cpp-docs index without its search snapshot (shards parsed, text analyzed, snapshot written again), wall',
      ms(fallbackOpen.wallMs),
      '',
    ]),
  );
  log();
  log(
    `Edits: the five files are typical docs and ${LARGEST_DOC} (${(largestBytes / 1024).toFixed(0)} KB, the largest file in cpp-docs: ${EDIT_KINDS.map((kind) => `${ms(edits[kind][largest])} at the ${kind}`).join(', ')}), whose re-chunking (Markdown parse, token counts of the sections that changed) and shard rewrite grow with its size. Only the chunks an edit changes are embedded and analyzed again; the ones below it keep their rows and take their new lines. The ≤ ${EDIT_TARGET_MS} ms target is ${EDIT_KINDS.every((kind) => Math.max(...edits[kind]) <= EDIT_TARGET_MS) ? "met by every edit in this run; the largest file's edits come closest to it and vary most between runs." : `missed by ${EDIT_KINDS.flatMap((kind) => edits[kind].filter((t) => t > EDIT_TARGET_MS)).length} of the ${EDIT_KINDS.length * targets.length} edits. What would reach it for such a file: a shard of its own (Vectra parses and rewrites the whole shard file on every write, about 100 ms of such an edit here) and re-chunking only the sections near the edit (about 50 ms of counting; it needs each section's bounds stored with its chunks, since a run of chunks alone does not show whether it was one section or two merged ones).`}`,
  );
  log(
    `Opening reads one binary search snapshot (${(snapshotBytes / 1e6).toFixed(0)} MB of the index on disk: vectors, postings and chunk text as flat arrays; everything but the text is read into memory, and a row's text is read from the file when a query returns it) and never parses a Vectra shard; the shards and the manifest stay the source of truth, and the snapshot is used only for files whose content hash it matches. The fallback row is what every open cost before the snapshot existed.`,
  );
  log();
}
