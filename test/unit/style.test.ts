import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCliCaptured } from '../support/cli';
import { restyleMessages } from '../../src/core/answer/restyleCheck';
import { buildDataset, epochsFor } from '../../src/core/style/dataset';
import { chrF } from '../../src/core/style/chrF';
import { LoopbackOpenAI } from '../support/loopbackOpenAI';
import { tempDir, writeTree } from '../support/tempDir';

let server: LoopbackOpenAI;
before(async () => {
  server = await new LoopbackOpenAI().start();
});
after(() => server.stop());

const example = (i: number) => ({
  question: `How do I configure option ${i}?`,
  draft: `Set \`option_${i}\` in the config [1]. It takes effect on restart [2].`,
  approved: `To configure it, set \`option_${i}\` in the config [1]; the change applies on restart [2].`,
  model: 'gpt-4o-mini',
  createdAt: '2026-12-01T00:00:00Z',
});
const jsonl = (records: unknown[]) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

const cli = (args: string[], env: Record<string, string> = {}) =>
  runCliCaptured(args, { OPENAI_API_KEY: 'sk-test', GROUNDWORK_POLL_MS: '1', ...env });

async function workspaceWith(records: unknown[]) {
  const dir = await tempDir();
  await writeTree(dir, { '.groundwork/style/examples.jsonl': jsonl(records) });
  return dir;
}

test('dataset checks name the line that fails: shape, empty fields, duplicates, unknown keys and the citation lock', () => {
  const good = Array.from({ length: 12 }, (_, i) => example(i));
  const dataset = buildDataset(
    jsonl([
      ...good,
      'not json',
      '[1, 2]',
      { question: 'q', draft: 'd [1].', approved: '' },
      { question: 'q', draft: 'Set it [1].', approved: 'Set it [1][3].' },
      { question: 'q', draft: 'Retries three times [1].', approved: 'Retries 5 times [1].' },
      good[0],
      { ...example(99), reviewer: 'ana' },
    ]),
    { validationShare: 0.1, baseModel: 'gpt-4o-mini-2024-07-18' },
  );
  const at = (line: number) => dataset.problems.filter((p) => p.line === line).map((p) => `${p.severity}: ${p.message}`);
  assert.match(at(13)[0], /^error: not JSON/);
  assert.match(at(14)[0], /^error: not a JSON object/);
  assert.match(at(15)[0], /^error: "approved" is empty/);
  assert.match(at(16)[0], /^error: the approved text breaks the citation lock: citations added: \[3\]/);
  assert.match(at(17)[0], /^error: the approved text breaks the citation lock: numbers not in the draft: 5/);
  assert.match(at(18)[0], /^error: duplicate of line 1/);
  assert.match(at(19)[0], /^warning: unknown keys ignored: reviewer/);
  assert.ok(
    dataset.problems.some(
      (p) => p.line === 0 && p.severity === 'warning' && /13 examples: improvements usually show from 50/.test(p.message),
    ),
  );
  assert.equal(dataset.ok, false, 'errors keep the files from being written');
});

test('the dataset is the restyle prompt, the draft and the approved text, split stably, with epochs and cost by the guide', () => {
  const records = Array.from({ length: 20 }, (_, i) => example(i));
  const dataset = buildDataset(jsonl(records), { validationShare: 0.1, baseModel: 'gpt-4o-mini-2024-07-18' });
  assert.equal(dataset.ok, true);
  assert.deepEqual([dataset.stats.train, dataset.stats.validation], [18, 2]);
  const first = [...dataset.train, ...dataset.validation].find((e) => e.messages[1].content === records[0].draft)!;
  assert.deepEqual(first.messages, [...restyleMessages(records[0].draft), { role: 'assistant', content: records[0].approved }]);
  // The same examples split the same way, whatever their order in the file.
  const again = buildDataset(jsonl([...records].reverse()), { validationShare: 0.1, baseModel: 'gpt-4o-mini-2024-07-18' });
  assert.deepEqual(new Set(again.validation.map((e) => JSON.stringify(e))), new Set(dataset.validation.map((e) => JSON.stringify(e))));
  assert.equal(dataset.stats.epochs, epochsFor(18));
  assert.deepEqual([epochsFor(10), epochsFor(18), epochsFor(50), epochsFor(10_000)], [10, 5, 3, 2]);
  assert.equal(dataset.stats.pricePerMillion, 3);
  assert.ok(Math.abs(dataset.stats.estimatedCostUsd! - (dataset.stats.epochs * dataset.stats.billedTokens * 3) / 1e6) < 1e-12);
  const few = buildDataset(jsonl(records.slice(0, 9)), { validationShare: 0.1, baseModel: 'unknown-base' });
  assert.ok(few.problems.some((p) => p.severity === 'error' && /9 usable examples: fine-tuning needs at least 10/.test(p.message)));
  assert.equal(few.stats.estimatedCostUsd, undefined, 'no price for an unknown base model');
});

test('chrF: identical texts score 100, unrelated ones near 0, a light rewrite in between', () => {
  assert.equal(chrF('Set the port [1].', 'Set the port [1].'), 100);
  assert.ok(chrF('zzzz qqqq', 'Set the port [1].') < 10);
  const light = chrF('Set the port in the config [1].', 'To change it, set the port in the config [1].');
  assert.ok(light > 50 && light < 100, String(light));
});

test('style dataset writes train.jsonl and validation.jsonl, or refuses with the failing lines', async () => {
  const dir = await workspaceWith(Array.from({ length: 12 }, (_, i) => example(i)));
  const written = await cli(['style', 'dataset', dir, '--json']);
  assert.equal(written.code, 0, written.stderr);
  const summary = JSON.parse(written.stdout);
  assert.equal(summary.train + summary.validation, 12);
  const train = (await fs.readFile(path.join(dir, '.groundwork/style/dataset/train.jsonl'), 'utf8')).trim().split('\n');
  assert.equal(train.length, summary.train);
  assert.deepEqual(
    JSON.parse(train[0]).messages.map((m: { role: string }) => m.role),
    ['system', 'user', 'assistant'],
  );

  const broken = await workspaceWith([
    ...Array.from({ length: 12 }, (_, i) => example(i)),
    { question: 'q', draft: 'x [1].', approved: 'x [2].' },
  ]);
  const refused = await cli(['style', 'dataset', broken]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /error: \.groundwork\/style\/examples\.jsonl:13: the approved text breaks the citation lock: citations renumbered/,
  );
  await assert.rejects(fs.stat(path.join(broken, '.groundwork/style/dataset/train.jsonl')));
  assert.equal((await cli(['style', 'dataset', dir, '--validation', '0.9'])).code, 2);
});

test('style train uploads both files and starts the job; status follows it to the fine-tuned model; a failed job says why', async () => {
  const dir = await workspaceWith(Array.from({ length: 12 }, (_, i) => example(i)));
  const started = await cli([
    'style',
    'train',
    dir,
    '--base-model',
    'gpt-4o-mini-2024-07-18',
    '--suffix',
    'house',
    '--base-url',
    server.baseURL,
  ]);
  assert.equal(started.code, 0, started.stderr);
  const jobId = /job (ftjob-\d+)/.exec(started.stdout)![1];
  const uploads = [...server.files.values()];
  assert.deepEqual(
    uploads.map((f) => [f.filename, f.purpose]),
    [
      ['train.jsonl', 'fine-tune'],
      ['validation.jsonl', 'fine-tune'],
    ],
  );
  assert.equal(uploads[0].content, await fs.readFile(path.join(dir, '.groundwork/style/dataset/train.jsonl'), 'utf8'));
  const job = server.jobs.get(jobId)!.job;
  assert.deepEqual([job.model, job.suffix, job.validation_file], ['gpt-4o-mini-2024-07-18', 'house', 'file-2']);
  assert.match(server.requests.find((r) => r.path.endsWith('/files'))!.headers.authorization!, /Bearer sk-test/);

  const followed = await cli(['style', 'status', jobId, '--follow', '--base-url', server.baseURL]);
  assert.equal(followed.code, 0);
  assert.match(followed.stdout, /Fine-tuning job started/);
  assert.match(followed.stdout, new RegExp(`${jobId}: succeeded → ft:gpt-4o-mini-2024-07-18:groundwork::`));
  assert.match(followed.stdout, /groundwork style eval --model ft:/);

  server.nextJobOutcome = { fail: 'line 3: messages must not be empty' };
  const second = await cli(['style', 'train', dir, '--base-model', 'gpt-4o-mini-2024-07-18', '--base-url', server.baseURL]);
  const failedId = /job (ftjob-\d+)/.exec(second.stdout)![1];
  const failed = await cli(['style', 'status', failedId, '--follow', '--base-url', server.baseURL]);
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, new RegExp(`${failedId}: failed \\(line 3: messages must not be empty\\)`));

  const third = await cli(['style', 'train', dir, '--base-model', 'gpt-4o-mini-2024-07-18', '--base-url', server.baseURL]);
  const cancelId = /job (ftjob-\d+)/.exec(third.stdout)![1];
  assert.match((await cli(['style', 'cancel', cancelId, '--base-url', server.baseURL])).stdout, new RegExp(`${cancelId}: cancelled`));
  assert.match((await cli(['style', 'status', cancelId, '--base-url', server.baseURL])).stdout, new RegExp(`${cancelId}: cancelled`));

  const recorded = (await fs.readFile(path.join(dir, '.groundwork/style/jobs.jsonl'), 'utf8')).trim().split('\n');
  // Each job: its intent (recorded before the job is created), then the job.
  assert.deepEqual(
    recorded.map((line) => JSON.parse(line).state),
    ['intent', 'created', 'intent', 'created', 'intent', 'created'],
  );
  assert.equal((await cli(['style', 'train', dir, '--base-url', server.baseURL])).code, 2, 'train needs --base-model');
});

test('style eval scores the candidate against the base model and no restyle on the validation drafts', async () => {
  const dir = await workspaceWith(Array.from({ length: 20 }, (_, i) => example(i)));
  assert.equal((await cli(['style', 'dataset', dir])).code, 0);
  const validation = (await fs.readFile(path.join(dir, '.groundwork/style/dataset/validation.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).messages as Array<{ content: string }>);
  assert.equal(validation.length, 2);
  const [a, b] = validation.map((m) => ({ draft: m[1].content, approved: m[2].content }));
  // Base model: returns the drafts unchanged. Candidate: the first rewrite is the approved text, the second adds a number.
  server.enqueue({ content: a.draft }, { content: b.draft }, { content: a.approved }, { content: `${b.approved} Within 5 seconds.` });
  const run = await cli([
    'style',
    'eval',
    dir,
    '--model',
    'ft:gpt-4o-mini-2024-07-18:groundwork::abcd',
    '--base-model',
    'gpt-4o-mini',
    '--base-url',
    server.baseURL,
    '--json',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.passRate, 0.5);
  const [none, base, candidate] = report.results;
  assert.deepEqual([none.label, none.passRate, base.passRate, candidate.passRate], ['no restyle', 1, 1, 0.5]);
  assert.ok(candidate.chrF > base.chrF, 'the candidate is closer to the approved texts than the base model');
  assert.equal(candidate.markersKept, 1);
  assert.match(candidate.failures[0].problems[0], /numbers not in the draft: 5/);
  const kept = JSON.parse(
    await fs.readFile(path.join(dir, '.groundwork/style/eval-ft_gpt-4o-mini-2024-07-18_groundwork_abcd.json'), 'utf8'),
  );
  assert.equal(kept.passRate, 0.5);

  server.enqueue({ content: a.draft }, { content: b.draft }, { content: a.approved }, { content: `${b.approved} Within 5 seconds.` });
  const text = await cli(['style', 'eval', dir, '--model', 'ft:x', '--base-model', 'gpt-4o-mini', '--base-url', server.baseURL]);
  assert.match(text.stdout, /ft:x keeps the facts in only 50% of rewrites \(below 95%\): do not use it as the style model/);
});

test('a train cut off while its job is being created leaves no billed job unlisted: status finds and records it', async () => {
  const dir = await workspaceWith(Array.from({ length: 12 }, (_, i) => example(i)));
  const train = () => cli(['style', 'train', dir, '--base-model', 'gpt-4o-mini-2024-07-18', '--base-url', server.baseURL]);
  const first = await train();
  const firstId = /job (ftjob-\d+)/.exec(first.stdout)![1];
  // The server starts the job, and the answer never reaches the client (killed, disconnected).
  server.dropNextJobCreate = true;
  const jobsBefore = server.jobs.size;
  const cut = await train();
  assert.notEqual(cut.code, 0);
  assert.equal(server.jobs.size, jobsBefore + 1, 'the server started (and bills) one job, not a retried second');
  const startedId = [...server.jobs.keys()].at(-1)!;
  assert.notEqual(startedId, firstId);
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const status = await cli(['style', 'status', '--base-url', server.baseURL]);
    assert.match(status.stdout, new RegExp(`Found job ${startedId}: an interrupted "style train" started it`));
    assert.match(status.stdout, new RegExp(`Job ${startedId}, the last one started from this folder:`));
    assert.match(status.stdout, new RegExp(`${startedId}: `));
    // Uploads that started no job are listed with the command that deletes them.
    server.dropNextJobCreate = false;
    await fs.appendFile(
      path.join(dir, '.groundwork/style/jobs.jsonl'),
      `${JSON.stringify({ state: 'intent', token: 'gw-orphan', trainingFileId: 'file-99', baseModel: 'm', createdAt: '2026-12-07T00:00:00Z' })}\n`,
    );
    const orphan = await cli(['style', 'status', '--base-url', server.baseURL]);
    assert.match(orphan.stdout, /uploaded file-99 but started no job\. Delete them with: groundwork style delete-file file-99/);
  } finally {
    process.chdir(cwd);
  }
});

test('style commands refuse a base URL that is not one before any work (exit 2)', async () => {
  const dir = await workspaceWith(Array.from({ length: 12 }, (_, i) => example(i)));
  const requests = server.requests.length;
  for (const args of [
    ['status', '--base-url', 'notaurl'],
    ['train', dir, '--base-model', 'gpt-4o-mini-2024-07-18', '--base-url', 'notaurl'],
  ]) {
    const result = await cli(['style', ...args]);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, /--base-url must be an http\(s\) URL, got "notaurl"/);
  }
  assert.equal(server.requests.length, requests, 'nothing was sent');
  await assert.rejects(fs.stat(path.join(dir, '.groundwork/style/dataset/train.jsonl')), 'no dataset was written');
});
