/**
 * `npm run bench`: measures retrieval quality, indexing speed and memory, update latency and query latency on
 * the shared eval corpora (read from ../shared/eval, never copied into the repo) and writes BENCHMARKS.md.
 * Builds first (`npm run build`), since the indexing figures are for the shipped bundle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DocsIndex } from '../src/core/indexing/docsIndex';
import { DEFAULT_CHUNK_SIZING } from '../src/core/chunking/chunkDocument';
import { HashingEmbedder } from '../src/core/embedding/hashingEmbedder';
import { type EvalQuery, scoreRun, type Scores } from '../src/core/eval/metrics';
import { FILE_RANKING_WEIGHTS } from '../src/core/retrieval/fileRanking';
import { DEFAULT_LEXICAL_WEIGHT } from '../src/core/retrieval/searchIndex';
import { benchAnswerPath, calibrateAbstain } from './benchAnswer';
import { benchExtensionIndexing } from './benchMemory';
import { benchEvidence } from './benchEvidence';
import { benchCitations } from './benchCitations';
import { benchIdentifiers, readIdentifiers } from './benchIdentifiers';
import { benchMcp } from './benchMcp';
import { benchRerank } from './benchRerank';
import { EVAL, readDevQueries } from './evalSets';
import { trainRanking } from './trainRanking';
import { f3, ms, pct, percentile, row } from './benchFormat';

const ROOT = path.resolve(__dirname, '..');
const WORK = path.join(os.tmpdir(), 'groundwork-bench');
const quick = process.argv.includes('--quick');
const BUILD_RUNS = 3;
/** The largest file in cpp-docs, one of the edited ones. */
const LARGEST_DOC = 'docs/mfc/reference/cwnd-class.md';
const EDIT_KINDS = ['end', 'middle'] as const;
type EditKind = (typeof EDIT_KINDS)[number];
const out: string[] = [];
const log = (line = '') => {
  out.push(line);
  console.log(line);
};

async function buildIndex(set: string, name: string, chunkSizing = DEFAULT_CHUNK_SIZING) {
  const indexDir = path.join(WORK, name);
  await fs.rm(indexDir, { recursive: true, force: true });
  const index = await DocsIndex.open({ root: path.join(EVAL, set, 'corpus'), indexDir, embedder: new HashingEmbedder(), chunkSizing });
  await index.update();
  // Writes the search snapshot, as the CLI and the extension do when they finish, so later opens use it.
  await index.close();
  return index;
}

async function score(
  index: DocsIndex,
  queries: EvalQuery[],
  lexicalWeight = DEFAULT_LEXICAL_WEIGHT,
  ranking?: 'passages',
): Promise<Scores> {
  const ranked = new Map();
  for (const q of queries) ranked.set(q.id, await index.search(q.question, { k: 50, lexicalWeight, ranking }));
  return scoreRun(queries, ranked);
}

/** Without the offline embedder: BM25 alone, into the file ranking (its vector feature then 0). */
function scoreLexical(index: DocsIndex, queries: EvalQuery[]): Scores {
  return scoreRun(queries, new Map(queries.map((q) => [q.id, index.searchLexical(q.question, { k: 50 })])));
}

function runChild(args: string[]): { wallMs: number; maxRssKb: number; stdout: string; stderr: string } {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--require', path.join(__dirname, 'reportRss.cjs'), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  const maxRssKb = Number(/@@maxrss (\d+)/.exec(result.stderr)?.[1] ?? 0);
  return { wallMs, maxRssKb, stdout: result.stdout, stderr: result.stderr };
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const name of await fs.readdir(dir)) total += (await fs.stat(path.join(dir, name))).size;
  return total;
}

async function main() {
  await fs.mkdir(WORK, { recursive: true });
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  log('# Benchmarks');
  log();
  log(`Written by \`npm run bench\` (scripts/bench.ts) on ${new Date().toISOString().slice(0, 10)}.`);
  log(
    `Machine: ${os.availableParallelism()} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}.`,
  );
  log(
    `Embedder: the offline default (\`hashing-v3-256\`). Chunking: ${JSON.stringify(DEFAULT_CHUNK_SIZING)}, lexical weight ${DEFAULT_LEXICAL_WEIGHT}.`,
  );
  log('Corpora and questions: `../shared/eval` (dev files). Every figure below comes from this run.');
  log();

  // 1. Retrieval quality.
  log('## Retrieval quality');
  log();
  log(
    'Command: `npm run bench` (the same numbers as `node dist/cli.js eval ../shared/eval/SET/corpus --queries ../shared/eval/SET/queries-dev.jsonl`, which agrees with `tools/score.py`).',
  );
  log();
  log(row(['set (dev)', 'method', 'nDCG@10', 'R@1', 'R@5', 'R@10', 'MRR@10', 'sec5']));
  log(row(['---', '---', '---', '---', '---', '---', '---', '---']));
  const quality: Record<string, Scores> = {};
  for (const [set, baseline] of [
    ['ray-docs', ['0.394', '–', '0.531', '0.665', '0.309', '0.396']],
    ['scifact', ['0.699', '–', '0.744', '0.813', '0.669', '–']],
  ] as const) {
    const queries = await readDevQueries(set);
    const index = await buildIndex(set, set);
    const hybrid = await score(index, queries);
    const byPassages = await score(index, queries, DEFAULT_LEXICAL_WEIGHT, 'passages');
    const lexical = scoreLexical(index, queries);
    quality[set] = hybrid;
    log(row([set, 'BM25 30-line chunks (README baseline)', ...baseline]));
    log(
      row([
        set,
        'Groundwork, lexical only (BM25 on section chunks, ranked by file)',
        f3(lexical.ndcg10),
        f3(lexical.r1),
        f3(lexical.r5),
        f3(lexical.r10),
        f3(lexical.mrr10),
        f3(lexical.sec5),
      ]),
    );
    log(
      row([
        set,
        'Groundwork hybrid, ranked by fused score (the previous release)',
        f3(byPassages.ndcg10),
        f3(byPassages.r1),
        f3(byPassages.r5),
        f3(byPassages.r10),
        f3(byPassages.mrr10),
        f3(byPassages.sec5),
      ]),
    );
    log(
      row([
        set,
        '**Groundwork hybrid, ranked by file (default)**',
        f3(hybrid.ndcg10),
        f3(hybrid.r1),
        f3(hybrid.r5),
        f3(hybrid.r10),
        f3(hybrid.mrr10),
        f3(hybrid.sec5),
      ]),
    );
  }
  log();
  log(
    `Targets: ray-docs nDCG@10 ≥ 0.54 (${quality['ray-docs'].ndcg10 >= 0.54 ? 'met' : 'missed'}), sec5 ≥ 0.56 (${quality['ray-docs'].sec5 >= 0.56 ? 'met' : 'missed'}); scifact nDCG@10 ≥ 0.72 (${quality.scifact.ndcg10 >= 0.72 ? 'met' : 'missed'}). The offline embedder's share is the difference between the lexical-only row and the default. The file ranking's weights were fitted on these same questions, so its honest figures are the cross-validated ones below.`,
  );
  log();
  if (!quick) {
    log('### File ranking, cross-validated');
    log();
    log(
      "Command: `npm run train:ranking` (scripts/trainRanking.ts). The file ranking (src/core/retrieval/fileRanking.ts) orders the files of the best 60 passages by a pairwise logistic model of eight features (the lexical and vector scores, coverage, how many of the file's passages match where files have several, the question's share in the page title, the path and the heading path, and its term pairs found together), then gives each file's best passage a first place. Each fold's questions are ranked by weights fitted on the other four folds of both sets, so these figures are for questions the weights never saw.",
    );
    log();
    const report = await trainRanking(path.join(WORK, 'train-ranking'));
    for (const line of report.table) log(line);
    log();
    log(
      `Weights fitted on every question by this run: [${report.weights.map((w) => w.toFixed(3)).join(', ')}] (shipped: [${FILE_RANKING_WEIGHTS.join(', ')}]).`,
    );
    log();
  }

  if (!quick) {
    log('### Chunk size, overlap and fusion weight (ray-docs dev)');
    log();
    log('How the defaults were chosen. Differences under about 0.01 are within the noise of 164 questions.');
    log();
    log(row(['max tokens', 'merge small sections up to', 'chunks', 'nDCG@10', 'sec5']));
    log(row(['---', '---', '---', '---', '---']));
    const queries = await readDevQueries('ray-docs');
    for (const maxTokens of [200, 400, 800]) {
      for (const mergeSectionsUpTo of [0, 200]) {
        const index = await buildIndex('ray-docs', `sweep-${maxTokens}-${mergeSectionsUpTo}`, {
          maxTokens,
          overlapLines: 0,
          mergeSectionsUpTo,
        });
        const s = await score(index, queries);
        log(row([maxTokens, mergeSectionsUpTo, index.chunkCount, f3(s.ndcg10), f3(s.sec5)]));
      }
    }
    log();
    log('Overlap: lines of the previous piece repeated at the start of the next when a long section is split.');
    log();
    log(row(['overlap lines', 'chunks', 'nDCG@10', 'sec5']));
    log(row(['---', '---', '---', '---']));
    for (const overlapLines of [0, 2, 5]) {
      const sizing = { ...DEFAULT_CHUNK_SIZING, overlapLines };
      const index = await buildIndex('ray-docs', `overlap-${overlapLines}`, sizing);
      const s = await score(index, queries);
      const label = overlapLines === DEFAULT_CHUNK_SIZING.overlapLines ? `${overlapLines} (default)` : overlapLines;
      log(row([label, index.chunkCount, f3(s.ndcg10), f3(s.sec5)]));
    }
    log();
    log(
      "The weight is chosen across both sets, not on one: each weight is scored by the worst of its three figures relative to the best any weight reaches on that figure (ray-docs nDCG@10, ray-docs sec5, scifact nDCG@10), and the weight with the best worst case wins, so no set is traded away for the other. The default moves only for a gain above the noise: a worst case more than 2 points better than the default's (two of ray-docs' 164 questions move sec5 by 1.2 points, 2% of its best). Since the file ranking orders the pages, this weight only chooses the 60 candidates and each page's best passage, and every weight scores within the noise.",
    );
    log();
    log(row(['lexical weight', 'ray-docs nDCG@10', 'ray-docs sec5', 'scifact nDCG@10', 'worst relative to best']));
    log(row(['---', '---', '---', '---', '---']));
    const index = await buildIndex('ray-docs', 'ray-weights');
    const sciQueries = await readDevQueries('scifact');
    const sci = await buildIndex('scifact', 'scifact-weights');
    const sweep: Array<{ weight: number; figures: number[] }> = [];
    for (const weight of [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.3]) {
      const s = await score(index, queries, weight);
      const t = await score(sci, sciQueries, weight);
      sweep.push({ weight, figures: [s.ndcg10, s.sec5, t.ndcg10] });
    }
    const bestOf = [0, 1, 2].map((i) => Math.max(...sweep.map((w) => w.figures[i])));
    const worst = (figures: number[]) => Math.min(...figures.map((x, i) => x / bestOf[i]));
    const best = sweep.reduce((a, b) => (worst(b.figures) > worst(a.figures) ? b : a));
    const current = sweep.find((w) => w.weight === DEFAULT_LEXICAL_WEIGHT)!;
    const chosen = worst(best.figures) > worst(current.figures) + 0.02 ? best : current;
    for (const { weight, figures } of sweep) {
      const label = `${weight}${weight === DEFAULT_LEXICAL_WEIGHT ? ' (default)' : ''}${weight === chosen.weight ? ' (chosen by this run)' : ''}`;
      log(row([label, ...figures.map(f3), pct(worst(figures))]));
    }
    log();
    log(
      `Every other variant tried for this release (heading and path fields, BM25 parameters, pseudo-relevance feedback, file-level boosts, wider vectors), kept or not, is in [docs/retrieval-variants.md](docs/retrieval-variants.md) with its numbers.`,
    );
    log();
  }

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
  const summary = JSON.parse(builds[0].stdout);
  const corpusBytes = Number(execFileSync('du', ['-sb', corpusCopy], { encoding: 'utf8' }).split('\t')[0]);
  const indexBytes = await dirSize(cppIndex);
  const snapshotBytes = (await fs.stat(path.join(cppIndex, 'search-snapshot.bin'))).size;
  log(
    'Command: `node dist/cli.js index <copy of ../shared/eval/cpp-docs/corpus> --index DIR` (a copy, so the update test below can edit it).',
  );
  log();
  log(row(['files', 'chunks', `wall time (median of ${BUILD_RUNS})`, 'throughput', 'peak RSS (highest)', 'index on disk']));
  log(row(['---', '---', '---', '---', '---', '---']));
  log(
    row([
      summary.added,
      summary.chunks,
      `${(build.wallMs / 1000).toFixed(1)} s`,
      `${(corpusBytes / 1e6 / (build.wallMs / 1000)).toFixed(2)} MB/s`,
      `${(build.maxRssKb / 1024).toFixed(0)} MB`,
      `${(indexBytes / 1e6).toFixed(0)} MB`,
    ]),
  );
  log();
  log(
    `Targets: ≤ 30 s (${build.wallMs <= 30000 ? 'met' : 'missed'}), peak RSS ≤ 400 MB (${build.maxRssKb <= 400 * 1024 ? 'met' : 'missed'}), index on disk ≤ 3× the corpus (${indexBytes <= 3 * corpusBytes ? 'met' : 'missed'}: ${(indexBytes / corpusBytes).toFixed(1)}× its ${(corpusBytes / 1e6).toFixed(0)} MB; the search snapshot is ${(snapshotBytes / 1e6).toFixed(0)} MB of it, the Vectra shards the rest). The ${BUILD_RUNS} builds took ${wallTimes.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}. Chunking runs in one worker thread (a second was no faster and cost about 100 MB) while the main thread embeds and writes each shard once, as soon as its files are done; the wall time and peak include writing the search snapshot at the end. The ≤ 30 s target is an earlier release's; the memory work also asks for a build no slower than the release before it (\`f4a48cc\`), which only alternating builds of both on one machine can show: docs/memory-profile.md ("Build time").`,
  );
  log();

  await benchExtensionIndexing(log, ROOT, corpusCopy, WORK, build.wallMs);

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

  // 4. Query latency and edit-to-searchable latency, in process, on the cpp-docs index.
  const index = await DocsIndex.open({ root: corpusCopy, indexDir: cppIndex, embedder: new HashingEmbedder() });
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
  const rayForIdentifiers = await DocsIndex.open({
    root: path.join(EVAL, 'ray-docs', 'corpus'),
    indexDir: path.join(WORK, 'ray-identifiers'),
    embedder: new HashingEmbedder(),
  });
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

  log('## Latency on the cpp-docs index');
  log();
  log(row(['measure', 'result', 'target']));
  log(row(['---', '---', '---']));
  log(row([`query, ${latencies.length} real questions (ray-docs and scifact dev), k = 10: p50`, ms(percentile(latencies, 0.5)), '']));
  log(row(['query p95', ms(percentile(latencies, 0.95)), '≤ 50 ms']));
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
    log(row([`${what} (update of the reported path + query), median of 5`, ms(percentile(edits[kind], 0.5)), '≤ 300 ms']));
    log(row([`… the same, worst of 5`, ms(Math.max(...edits[kind])), '≤ 300 ms']));
  }
  log(
    row([
      'search snapshot written after those edits (as the editor writes it after a save): time / memory added while writing',
      `${ms(saveMs)} / ${((saveRss - beforeSave) / 2 ** 20).toFixed(0)} MB`,
      '',
    ]),
  );
  log(
    row(['fresh process: `groundwork search` (open the index, check every file for changes, answer), wall', ms(openRun.wallMs), '≤ 1 s']),
  );
  log(row(['of which Node start-up alone (`node -e 0`)', ms(noop.wallMs), '']));
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
    `Edits: the five files are typical docs and ${LARGEST_DOC} (${(largestBytes / 1024).toFixed(0)} KB, the largest file in cpp-docs: ${EDIT_KINDS.map((kind) => `${ms(edits[kind][largest])} at the ${kind}`).join(', ')}), whose re-chunking (Markdown parse, token counts of the sections that changed) and shard rewrite grow with its size. Only the chunks an edit changes are embedded and analyzed again; the ones below it keep their rows and take their new lines. The ≤ 300 ms target is ${EDIT_KINDS.every((kind) => Math.max(...edits[kind]) <= 300) ? "met by every edit in this run; the largest file's edits come closest to it and vary most between runs." : `missed by ${EDIT_KINDS.flatMap((kind) => edits[kind].filter((t) => t > 300)).length} of the ${EDIT_KINDS.length * targets.length} edits. What would reach it for such a file: a shard of its own (Vectra parses and rewrites the whole shard file on every write, about 100 ms of such an edit here) and re-chunking only the sections near the edit (about 50 ms of counting; it needs each section's bounds stored with its chunks, since a run of chunks alone does not show whether it was one section or two merged ones).`}`,
  );
  log(
    `Opening reads one binary search snapshot (${(snapshotBytes / 1e6).toFixed(0)} MB of the index on disk: vectors, postings and chunk text as flat arrays; everything but the text is read into memory, and a row's text is read from the file when a query returns it) and never parses a Vectra shard; the shards and the manifest stay the source of truth, and the snapshot is used only for files whose content hash it matches. The fallback row is what every open cost before the snapshot existed.`,
  );
  log();

  // 5. Vectra's own document index, side by side on the first 1,000 files, with the same embedder.
  if (!quick) await compareWithVectra(corpusCopy);

  // 6. The answer path: abstain calibration, question → request, time to first token.
  await calibrateAbstain(log, EVAL, WORK, { 'ray-docs': await readDevQueries('ray-docs'), scifact: await readDevQueries('scifact') });
  await benchAnswerPath(log, EVAL, WORK, await readDevQueries('ray-docs'));

  // 7. Claim-level evidence: what a click on a citation selects.
  const rayIndex = await buildIndex('ray-docs', 'ray-docs');
  await benchEvidence(log, rayIndex, await readDevQueries('ray-docs'));

  // 7b. Citations graded against their sentences: right ones supported, wrong ones unsupported.
  const sciIndex = await buildIndex('scifact', 'scifact-citations');
  await benchCitations(log, [
    { name: 'ray-docs', index: rayIndex, queries: await readDevQueries('ray-docs') },
    { name: 'scifact', index: sciIndex, queries: await readDevQueries('scifact') },
  ]);

  // 8. The optional reranker: what it adds per question.
  await benchRerank(log, rayIndex, await readDevQueries('ray-docs'));

  // 9. The MCP server over stdio.
  await benchMcp(log, ROOT, EVAL, WORK, await readDevQueries('ray-docs'), { scifact: await readDevQueries('scifact') });

  await fs.writeFile(path.join(ROOT, 'BENCHMARKS.md'), out.join('\n') + '\n');
  console.log('\nWrote BENCHMARKS.md');
}

async function compareWithVectra(corpus: string) {
  const { LocalDocumentIndex } = await import('vectra');
  const all = execFileSync('find', [corpus, '-name', '*.md', '-type', 'f'], { encoding: 'utf8', maxBuffer: 1 << 26 })
    .trim()
    .split('\n')
    .sort()
    .slice(0, 1000);
  const subset = path.join(WORK, 'cpp-1000');
  await fs.rm(subset, { recursive: true, force: true });
  let bytes = 0;
  for (const file of all) {
    const target = path.join(subset, path.relative(corpus, file));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.copyFile(file, target);
    bytes += (await fs.stat(file)).size;
  }
  const hashing = new HashingEmbedder();
  const embeddings = {
    maxTokens: 8000,
    createEmbeddings: async (inputs: string | string[]) => ({
      status: 'success' as const,
      output: (await hashing.embed(Array.isArray(inputs) ? inputs : [inputs])).map((v) => Array.from(v)),
    }),
  };
  const vectraDir = path.join(WORK, 'vectra-doc-index');
  await fs.rm(vectraDir, { recursive: true, force: true });
  const vectra = new LocalDocumentIndex({ folderPath: vectraDir, embeddings });
  await vectra.createIndex({ version: 1 });
  const texts = await Promise.all(all.map((file) => fs.readFile(path.join(subset, path.relative(corpus, file)), 'utf8')));
  const t0 = performance.now();
  for (const [i, file] of all.entries()) await vectra.upsertDocument(path.relative(corpus, file), texts[i], 'md');
  const vectraBuild = performance.now() - t0;
  const t1 = performance.now();
  await vectra.upsertDocument(path.relative(corpus, all[500]), texts[500] + '\n\nOne more line.\n', 'md');
  const vectraUpdate = performance.now() - t1;

  const oursDir = path.join(WORK, 'ours-1000');
  await fs.rm(oursDir, { recursive: true, force: true });
  const t2 = performance.now();
  const ours = await DocsIndex.open({ root: subset, indexDir: oursDir, embedder: hashing });
  await ours.update();
  const oursBuild = performance.now() - t2;
  await fs.appendFile(path.join(subset, path.relative(corpus, all[500])), '\n\nOne more line.\n');
  const t3 = performance.now();
  await ours.update();
  const oursUpdate = performance.now() - t3;

  log('## Versus Vectra’s LocalDocumentIndex (first 1,000 cpp-docs files, same offline embedder, in process)');
  log();
  log(row(['index', 'build', 'throughput', 'update one file']));
  log(row(['---', '---', '---', '---']));
  log(
    row([
      'Vectra LocalDocumentIndex (upsertDocument per file)',
      `${(vectraBuild / 1000).toFixed(1)} s`,
      `${(bytes / 1e6 / (vectraBuild / 1000)).toFixed(3)} MB/s`,
      ms(vectraUpdate),
    ]),
  );
  log(
    row([
      'Groundwork DocsIndex (one update, inline chunking)',
      `${(oursBuild / 1000).toFixed(1)} s`,
      `${(bytes / 1e6 / (oursBuild / 1000)).toFixed(3)} MB/s`,
      ms(oursUpdate),
    ]),
  );
  log();
  log(
    `${(bytes / 1e6).toFixed(1)} MB of Markdown. Vectra rewrites its whole index file on every upsert; Groundwork writes each shard once per update and only the shards a change touches.`,
  );
  log();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
