/**
 * `npm run bench`: measures retrieval quality, indexing speed and memory, update latency and query latency on
 * the shared eval corpora (read from ../shared/eval, never copied into the repo) and writes BENCHMARKS.md.
 * Builds first (`npm run build`), since the indexing figures are for the shipped bundle. Each part is its own
 * file; this one runs them in order.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DocsIndex } from '../src/core/indexing/docsIndex';
import { DEFAULT_CHUNK_SIZING } from '../src/core/chunking/chunkDocument';
import { HashingEmbedder } from '../src/core/embedding/hashingEmbedder';
import { DEFAULT_LEXICAL_WEIGHT } from '../src/core/retrieval/searchIndex';
import { benchAnswerPath, calibrateAbstain } from './benchAnswer';
import { benchExtensionIndexing } from './benchMemory';
import { benchEvidence } from './benchEvidence';
import { benchCitations } from './benchCitations';
import { benchLatency, benchScale } from './benchLatency';
import { benchMcp } from './benchMcp';
import { benchQuality } from './benchQuality';
import { benchRerank } from './benchRerank';
import { buildIndex, log, ownSections, quick, ROOT, WORK, written } from './benchSupport';
import { EVAL, readDevQueries } from './evalSets';
import { ms, row } from './benchFormat';

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

  await benchQuality();
  const cpp = await benchScale();
  await benchExtensionIndexing(log, ROOT, cpp.corpusCopy, WORK, cpp.buildWallMs);
  await benchLatency(cpp);
  const corpusCopy = cpp.corpusCopy;

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

  const previous = await fs.readFile(path.join(ROOT, 'BENCHMARKS.md'), 'utf8').catch(() => '');
  // The sections of the longer benches (bench:growth, bench:editor) are kept as they last wrote them.
  const kept = ownSections(previous);
  await fs.writeFile(path.join(ROOT, 'BENCHMARKS.md'), [written(), ...kept].join('\n') + (kept.length ? '\n' : ''));
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
