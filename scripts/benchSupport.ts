/** What every part of `npm run bench` shares: where it works, how it logs, and how it builds and scores an index. */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CHUNK_SIZING } from '../src/core/chunking/chunkDocument';
import { type EvalQuery, scoreRun, type Scores } from '../src/core/eval/metrics';
import { DocsIndex } from '../src/core/indexing/docsIndex';
import { DEFAULT_LEXICAL_WEIGHT } from '../src/core/retrieval/searchIndex';
import { withDefaults } from '../src/core/settings';
import { indexSetup } from '../src/core/setup/indexSetup';
import { EVAL } from './evalSets';

export const ROOT = path.resolve(__dirname, '..');
export const WORK = path.join(os.tmpdir(), 'groundwork-bench');
export const quick = process.argv.includes('--quick');
const out: string[] = [];
export const log = (line = '') => {
  out.push(line);
  console.log(line);
};
/** Everything logged so far: BENCHMARKS.md. */
export const written = () => out.join('\n') + '\n';

/**
 * The sections of BENCHMARKS.md that the longer benches write on their own run (`bench:growth`, `bench:editor`),
 * between their markers; `npm run bench` keeps them as they were last written.
 */
const OWN_SECTIONS = ['growth', 'editor'] as const;
const markers = (name: (typeof OWN_SECTIONS)[number]) => [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`] as const;

/** Writes one bench's own section of BENCHMARKS.md (replacing it, or at the end the first time). */
export async function writeOwnSection(name: (typeof OWN_SECTIONS)[number], body: string): Promise<void> {
  const [start, end] = markers(name);
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const current = await fs.readFile(file, 'utf8');
  const block = `${start}\n${body}\n${end}`;
  await fs.writeFile(
    file,
    current.includes(start)
      ? current.slice(0, current.indexOf(start)) + block + current.slice(current.indexOf(end) + end.length)
      : `${current.trimEnd()}\n\n${block}\n`,
  );
}

/** The own sections in a BENCHMARKS.md as written, markers included, in the order they stand there. */
export function ownSections(benchmarks: string): string[] {
  return OWN_SECTIONS.map((name) => {
    const [start, end] = markers(name);
    const at = benchmarks.indexOf(start);
    return at < 0 ? '' : benchmarks.slice(at, benchmarks.indexOf(end, at) + end.length);
  }).filter(Boolean);
}

/** A folder's index as every surface sets it up from the default settings (`core/setup`). */
export function openIndex(root: string, indexDir: string, chunkSizing = DEFAULT_CHUNK_SIZING): Promise<DocsIndex> {
  return DocsIndex.open({ ...indexSetup(withDefaults(), { root, indexDir }), chunkSizing });
}

export async function buildIndex(set: string, name: string, chunkSizing = DEFAULT_CHUNK_SIZING) {
  const indexDir = path.join(WORK, name);
  await fs.rm(indexDir, { recursive: true, force: true });
  const index = await openIndex(path.join(EVAL, set, 'corpus'), indexDir, chunkSizing);
  await index.update();
  // Writes the search snapshot, as the CLI and the extension do when they finish, so later opens use it.
  await index.close();
  return index;
}

export async function score(
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
export function scoreLexical(index: DocsIndex, queries: EvalQuery[]): Scores {
  return scoreRun(queries, new Map(queries.map((q) => [q.id, index.searchLexical(q.question, { k: 50 })])));
}

export function runChild(args: string[]): { wallMs: number; maxRssKb: number; stdout: string; stderr: string } {
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

export async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const name of await fs.readdir(dir)) total += (await fs.stat(path.join(dir, name))).size;
  return total;
}
