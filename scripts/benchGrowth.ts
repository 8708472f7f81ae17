/**
 * `npm run bench:growth`: how the index's costs grow with the size of the docs. Synthetic trees of 1, 2, 4 and 8
 * times cpp-docs (copies under their own folders, a share of their words varied per copy so the vocabulary and the
 * postings grow as a larger real tree's would), made here from ../shared/eval/cpp-docs and never committed; for each,
 * a build through the shipped CLI, the index on disk, a fresh `search` process, queries and an edit in process.
 * Writes its section of BENCHMARKS.md (between the growth markers) and docs/growth.svg.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ms, percentile, row } from './benchFormat';
import { dirSize, openIndex, ROOT, runChild, writeOwnSection } from './benchSupport';
import { EVAL, readDevQueries } from './evalSets';

const WORK = path.join(os.tmpdir(), 'groundwork-growth');
const FACTORS = process.argv.includes('--quick') ? [1, 2] : [1, 2, 4, 8];

interface Point {
  factor: number;
  files: number;
  corpusMb: number;
  buildS: number;
  peakMb: number;
  indexMb: number;
  openMs: number;
  queryP50: number;
  queryP95: number;
  editMs: number;
}

/** A word of copy `copy` as that copy writes it: one word in four (by its hash) gets the copy's own ending. */
function variedWord(word: string, copy: number): string {
  if (copy === 0 || word.length < 5) return word;
  const hash = createHash('sha1').update(word).digest()[0];
  return hash % 4 === 0 ? `${word}${String.fromCharCode(97 + (copy % 26))}${copy}` : word;
}

/** The tree at `factor` times cpp-docs: copy 0 as it is, copies 1… under `vN/`, a share of their words varied. */
async function makeTree(factor: number): Promise<{ root: string; files: number; bytes: number }> {
  const source = path.join(EVAL, 'cpp-docs', 'corpus');
  const root = path.join(WORK, `tree-${factor}x`);
  await fs.rm(root, { recursive: true, force: true });
  const files = (await fs.readdir(source, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  let bytes = 0;
  for (let copy = 0; copy < factor; copy++) {
    for (const entry of files) {
      const from = path.join(entry.parentPath, entry.name);
      const rel = path.relative(source, from);
      const to = path.join(root, copy ? `v${copy}` : '', rel);
      await fs.mkdir(path.dirname(to), { recursive: true });
      const text = await fs.readFile(from, 'utf8');
      const varied = copy ? text.replace(/[A-Za-z]{5,}/g, (word) => variedWord(word, copy)) : text;
      await fs.writeFile(to, varied);
      bytes += Buffer.byteLength(varied);
    }
  }
  return { root, files: files.length * factor, bytes };
}

/** One size: build (shipped CLI), size on disk, a fresh search process, queries and an edit in process. */
async function measure(factor: number, questions: string[]): Promise<Point> {
  const tree = await makeTree(factor);
  const indexDir = path.join(WORK, `index-${factor}x`);
  await fs.rm(indexDir, { recursive: true, force: true });
  const cli = path.join(ROOT, 'dist/cli.js');
  const build = runChild([cli, 'index', tree.root, '--index', indexDir, '--json']);
  const indexBytes = await dirSize(indexDir);
  const open = runChild([cli, 'search', tree.root, questions[0], '--index', indexDir, '--json', '--k', '10']);
  const index = await openIndex(tree.root, indexDir);
  try {
    await index.update();
    for (const q of questions.slice(0, 10)) await index.search(q, { k: 10 });
    const times: number[] = [];
    for (const q of questions) {
      const t = performance.now();
      await index.search(q, { k: 10 });
      times.push(performance.now() - t);
    }
    const edits: number[] = [];
    const target = 'docs/cpp/lambda-expressions-in-cpp.md';
    for (let i = 0; i < 3; i++) {
      const file = path.join(tree.root, target);
      const word = `growthprobe${factor}x${i}`;
      const t = performance.now();
      await fs.appendFile(file, `\n\nThe ${word} setting controls nothing at all.\n`);
      await index.update({ paths: [target] });
      const [top] = await index.search(`${word} setting`, { k: 1 });
      edits.push(performance.now() - t);
      if (top?.path !== target) throw new Error(`the edit to ${target} was not found at ${factor}x`);
    }
    return {
      factor,
      files: tree.files,
      corpusMb: tree.bytes / 1e6,
      buildS: build.wallMs / 1000,
      peakMb: build.maxRssKb / 1024,
      indexMb: indexBytes / 1e6,
      openMs: open.wallMs,
      queryP50: percentile(times, 0.5),
      queryP95: percentile(times, 0.95),
      editMs: percentile(edits, 0.5),
    };
  } finally {
    await index.close();
    await fs.rm(tree.root, { recursive: true, force: true });
    await fs.rm(indexDir, { recursive: true, force: true });
  }
}

/** Each measure against size, scaled to its own largest value, as lines on one chart (a curve reads faster than a table). */
function plot(points: Point[]): string {
  const series: Array<[string, (p: Point) => number, string]> = [
    ['build time', (p) => p.buildS, '#1f77b4'],
    ['peak RSS', (p) => p.peakMb, '#d62728'],
    ['index on disk', (p) => p.indexMb, '#2ca02c'],
    ['fresh search', (p) => p.openMs, '#9467bd'],
    ['query p95', (p) => p.queryP95, '#ff7f0e'],
    ['edit', (p) => p.editMs, '#8c564b'],
  ];
  const [w, h, left, bottom, top] = [640, 360, 50, 40, 20];
  const maxFactor = Math.max(...points.map((p) => p.factor));
  const x = (factor: number) => left + ((w - left - 150) * factor) / maxFactor;
  const y = (share: number) => top + (h - top - bottom) * (1 - share);
  const lines = series.map(([name, value, color], i) => {
    const max = Math.max(...points.map(value)) || 1;
    const path = points.map((p, j) => `${j ? 'L' : 'M'}${x(p.factor).toFixed(1)},${y(value(p) / max).toFixed(1)}`).join(' ');
    const label = `<text x="${w - 140}" y="${top + 16 * i + 10}" fill="${color}" font-size="12">${name} (max ${max.toFixed(0)})</text>`;
    return `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>${label}`;
  });
  const ticks = points.map((p) => `<text x="${x(p.factor)}" y="${h - 20}" font-size="12" text-anchor="middle">${p.factor}×</text>`);
  const linear = `<path d="M${x(0)},${y(0)} L${x(maxFactor)},${y(1)}" stroke="#999" stroke-dasharray="4 4" fill="none"/>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${left}" y="14" font-size="13">Each measure as a share of its value at ${maxFactor}× cpp-docs (dashed: linear growth)</text>`,
    `<line x1="${left}" y1="${y(0)}" x2="${w - 150}" y2="${y(0)}" stroke="#333"/>`,
    `<line x1="${left}" y1="${y(0)}" x2="${left}" y2="${top}" stroke="#333"/>`,
    linear,
    ...ticks,
    ...lines,
    '</svg>',
  ].join('\n');
}

function section(points: Point[], questions: number): string {
  const lines = [
    '## Growth: 1× to 8× cpp-docs',
    '',
    `Command: \`npm run bench:growth\` (scripts/benchGrowth.ts), ${new Date().toISOString().slice(0, 10)}, ${os.availableParallelism()} cores, Node ${process.version}. Synthetic trees of 1, 2, 4 and 8 copies of cpp-docs, one word in four of five letters or more varied per copy (so vocabulary and postings grow), made by the script and deleted after. Build: \`node dist/cli.js index\`, one run each; fresh search: \`node dist/cli.js search\` (open, check every file, answer); queries: ${questions} ray-docs and scifact dev questions in process, k = 10; edit: a paragraph appended to one file, update of that path and a search that finds it, median of 3.`,
    '',
    row(['size', 'files', 'corpus', 'build', 'peak RSS', 'index on disk', 'fresh search', 'query p50 / p95', 'edit']),
    row(['---', '---', '---', '---', '---', '---', '---', '---', '---']),
    ...points.map((p) =>
      row([
        `${p.factor}×`,
        p.files,
        `${p.corpusMb.toFixed(0)} MB`,
        `${p.buildS.toFixed(1)} s`,
        `${p.peakMb.toFixed(0)} MB`,
        `${p.indexMb.toFixed(0)} MB`,
        ms(p.openMs),
        `${ms(p.queryP50)} / ${ms(p.queryP95)}`,
        ms(p.editMs),
      ]),
    ),
    '',
    '![How each measure grows with the docs](docs/growth.svg)',
    '',
    readingOf(points),
  ];
  return lines.join('\n');
}

/** Issue 31's targets, each with the measure it bounds. */
const TARGETS: Array<{ name: string; value: (p: Point) => number; limit: number; unit: string }> = [
  { name: 'peak RSS', value: (p) => p.peakMb, limit: 400, unit: 'MB' },
  { name: 'query p50', value: (p) => p.queryP50, limit: 8, unit: 'ms' },
  { name: 'query p95', value: (p) => p.queryP95, limit: 20, unit: 'ms' },
  { name: 'a fresh search', value: (p) => p.openMs, limit: 500, unit: 'ms' },
  { name: 'an edit', value: (p) => p.editMs, limit: 150, unit: 'ms' },
];

/** What the curve says: how each measure grew against the corpus, and up to which size each target holds. */
function readingOf(points: Point[]): string {
  const first = points[0];
  const last = points.at(-1)!;
  const growth = (value: (p: Point) => number) => (value(last) / value(first)).toFixed(1);
  const holds = TARGETS.map((target) => {
    const within = points.filter((p) => target.value(p) <= target.limit).map((p) => p.factor);
    const largest = within.length
      ? `${Math.max(...within)}×`
      : `none (${target.value(first).toFixed(0)} ${target.unit} at ${first.factor}×)`;
    return `${target.name} ≤ ${target.limit} ${target.unit}: ${largest}`;
  });
  const giving = TARGETS.filter((target) => target.value(first) > target.limit).map((target) => target.name);
  return (
    `From ${first.factor}× to ${last.factor}× (${(last.corpusMb / first.corpusMb).toFixed(1)}× the text), the build grew ${growth((p) => p.buildS)}×, ` +
    `peak RSS ${growth((p) => p.peakMb)}×, the index on disk ${growth((p) => p.indexMb)}×, a fresh search ${growth((p) => p.openMs)}×, ` +
    `query p95 ${growth((p) => p.queryP95)}× and an edit ${growth((p) => p.editMs)}×. ` +
    `The largest size within each of issue 31's targets: ${holds.join('; ')}.` +
    (giving.length ? ` Already over at ${first.factor}×: ${giving.join(', ')}.` : '')
  );
}

async function main(): Promise<void> {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  await fs.mkdir(WORK, { recursive: true });
  const questions = (await readDevQueries('ray-docs'))
    .map((q) => q.question)
    .concat((await readDevQueries('scifact')).slice(0, 36).map((q) => q.question));
  const points: Point[] = [];
  for (const factor of FACTORS) {
    points.push(await measure(factor, questions));
    console.log(JSON.stringify(points.at(-1)));
  }
  await fs.mkdir(path.join(ROOT, 'docs'), { recursive: true });
  await fs.writeFile(path.join(ROOT, 'docs', 'growth.svg'), plot(points) + '\n');
  const block = section(points, questions.length);
  await writeOwnSection('growth', block);
  console.log(block);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
