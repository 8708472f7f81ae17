import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCliCaptured } from '../support/cli';
import { tempDir } from '../support/tempDir';

const fixtures = path.join(__dirname, '../fixtures/docs');

const cli = (args: string[]) => runCliCaptured(args, { ...process.env, OPENAI_API_KEY: '' });

async function indexArgs() {
  return ['--index', path.join(await tempDir(), 'idx')];
}

test('index, then status lists files, chunks, embedder and skipped files', async () => {
  const idx = await indexArgs();
  const indexed = await cli(['index', fixtures, ...idx]);
  assert.equal(indexed.code, 0);
  assert.match(indexed.stdout, /Indexed: 4 files, \d+ chunks \(4 added/);
  const status = await cli(['status', fixtures, ...idx, '--json']);
  const parsed = JSON.parse(status.stdout);
  assert.equal(parsed.files, 4);
  assert.equal(parsed.embedder, 'hashing-v3-256');
  assert.ok(parsed.chunks >= 4 && parsed.sizeOnDiskBytes > 0);
});

test('search --json prints only JSON on stdout, with 1-based inclusive lines relative to DIR', async () => {
  const idx = await indexArgs();
  const { code, stdout } = await cli(['search', fixtures, 'pip install widgetron', '--k', '3', '--json', ...idx]);
  assert.equal(code, 0);
  const parsed = JSON.parse(stdout);
  assert.equal(parsed.results.length, 3);
  assert.deepEqual([parsed.results[0].path, parsed.results[0].startLine, parsed.results[0].endLine], ['guide/install.md', 1, 30]);
});

test('search prints ranked passages with how much of the question each covers, and which of its words', async () => {
  const { code, stdout } = await cli(['search', fixtures, 'pip install widgetron', '--k', '3', ...(await indexArgs())]);
  assert.equal(code, 0);
  const lines = stdout.split('\n').filter((line) => /^\d+\. /.test(line));
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^1\. guide\/install\.md:1-30 .*\(covers 100% of the question: pip, install, widgetron\)$/);
  assert.ok(lines.every((line) => /\(covers \d+% of the question(: [\w, ]+)?\)$/.test(line)));
});

test('progress lines name each new count once, and a question asked of a current index prints none', async () => {
  const docs = path.join(await tempDir(), 'docs');
  await fs.cp(fixtures, docs, { recursive: true });
  const idx = await indexArgs();
  const progressLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('indexing'));
  assert.deepEqual(progressLines((await cli(['index', docs, ...idx])).stderr).at(-1), 'indexing 4/4 files');
  const current = await cli(['search', docs, 'pip install widgetron', ...idx]);
  assert.equal(current.code, 0);
  assert.deepEqual(progressLines(current.stderr), []);
  await fs.appendFile(path.join(docs, 'guide/install.md'), '\nOne more line.\n');
  const edited = await cli(['search', docs, 'pip install widgetron', ...idx]);
  assert.deepEqual(progressLines(edited.stderr), ['indexing 3/4 files', 'indexing 4/4 files']);
});

test('batch search writes one line per query in the format score.py reads, and eval agrees with score.py', async () => {
  const idx = await indexArgs();
  const dir = await tempDir();
  const queries = path.join(dir, 'q.jsonl');
  await fs.writeFile(
    queries,
    [
      {
        id: 'a',
        question: 'retry backoff max_retries',
        relevant: ['guide/retries.rst'],
        relevant_sections: [{ path: 'guide/retries.rst', lines: [8, 16] }],
      },
      { id: 'b', question: 'gigawatts of power', relevant: ['api/notes.txt'] },
      { id: 'c', question: 'dial clockwise sprocket', relevant: ['guide/install.md'] },
    ]
      .map((q) => JSON.stringify(q))
      .join('\n'),
  );
  const batch = await cli(['search', fixtures, '--queries', queries, '--k', '50', '--json', ...idx]);
  const lines = batch.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.id),
    ['a', 'b', 'c'],
  );
  const results = path.join(dir, 'results.jsonl');
  await fs.writeFile(results, batch.stdout);
  const scorePy = path.resolve(__dirname, '../../../shared/eval/tools/score.py');
  const ours = JSON.parse((await cli(['eval', fixtures, '--queries', queries, '--json', ...idx])).stdout);
  let theirs;
  try {
    theirs = JSON.parse(execFileSync('python3', [scorePy, queries, results, '--json'], { encoding: 'utf8' }));
  } catch (error) {
    // The scorer lives outside the repo; without it we can still check our own numbers are sane.
    assert.ok(ours.ndcg10 > 0.3, String(error));
    return;
  }
  for (const key of ['ndcg10', 'r1', 'r5', 'r10', 'mrr10', 'sec5']) assert.equal(ours[key], theirs[key], key);
  assert.ok(ours.r1 < 1 && ours.r1 > 0, 'query c is labelled with the wrong file, so R@1 is neither 0 nor perfect');
});

test('bad arguments and unreadable folders get one line and a non-zero exit', async () => {
  const missing = await cli(['index', '/definitely/not/here']);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, 'groundwork: /definitely/not/here is not a readable folder\n');
  const unknown = await cli(['frobnicate', fixtures]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^groundwork: unknown command "frobnicate"\n$/);
  const badK = await cli(['search', fixtures, 'q', '--k', 'ten']);
  assert.match(badK.stderr, /--k must be a positive whole number, got "ten"/);
  const badFlag = await cli(['index', fixtures, '--colour']);
  assert.equal(badFlag.code, 2);
  assert.equal(badFlag.stderr.split('\n').length, 2);
  const noQuestion = await cli(['search', fixtures, ...(await indexArgs())]);
  assert.match(noQuestion.stderr, /search needs a question/);
  const badEmbedder = await cli(['index', fixtures, '--embedder', 'magic', ...(await indexArgs())]);
  assert.match(badEmbedder.stderr, /--embedder must be offline or openai, got "magic"/);
  assert.equal(badEmbedder.code, 2);
});
