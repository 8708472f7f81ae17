import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { alignEvidence, passageLinesFromText, passageLinesInFile } from '../../src/core/answer/evidence';
import type { Source } from '../../src/core/answer/types';
import { runCli } from '../../src/cli/main';
import { tempDir } from '../support/tempDir';

const fixture = path.join(__dirname, '../fixtures/docs/guide/retries.rst');

async function retriesSource(): Promise<{ source: Source; lines: string[] }> {
  const text = (await fs.readFile(fixture, 'utf8')).replace(/\n$/, '');
  const lines = text.split('\n');
  return { source: { n: 1, path: 'guide/retries.rst', startLine: 1, endLine: lines.length, heading: 'Retry policy', text }, lines };
}

test('each cited sentence points at the lines that say it, not the whole passage', async () => {
  const { source, lines } = await retriesSource();
  const answer =
    'Set `max_retries` on the client [1]. The default is three retries [1]. Requests time out after thirty seconds. [1]\n\nWidgetron backs off exponentially [1].';
  const evidence = alignEvidence(answer, [source], () => passageLinesInFile(source, lines));
  assert.deepEqual(
    evidence.map((e) => [e.n, e.startLine, e.endLine, e.matched]),
    [
      [1, 11, 11, true],
      [1, 16, 16, true],
      [1, 21, 21, true],
      [1, 6, 6, true],
    ],
  );
});

test('markers inside code are not citations, a sentence sharing nothing gets the whole passage, text alone is enough', async () => {
  const { source } = await retriesSource();
  const evidence = alignEvidence('Write `[1]` literally. Zebras gallop [1].', [source], passageLinesFromText);
  assert.deepEqual(evidence, [{ n: 1, startLine: 1, endLine: 21, matched: false, grade: 'unsupported', support: 0 }]);
});

test('a passage whose file no longer holds it yields no file lines (the text is used instead)', async () => {
  const { source, lines } = await retriesSource();
  assert.equal(passageLinesInFile(source, lines.slice(0, 5)).length, 0);
  assert.equal(passageLinesFromText(source).length, 21);
});

test('an offline extract cites the exact lines it quotes, and the CLI JSON gives each citation its lines', async () => {
  const fixtures = path.join(__dirname, '../fixtures/docs');
  let stdout = '';
  const code = await runCli(
    ['ask', fixtures, 'What is the default number of retries?', '--json', '--index', path.join(await tempDir(), 'idx')],
    {
      stdout: (t) => (stdout += t),
      stderr: () => {},
      env: { ...process.env, OPENAI_API_KEY: '' },
    },
  );
  assert.equal(code, 0);
  const answer = JSON.parse(stdout);
  assert.equal(answer.verdict, 'offline-extract');
  assert.ok(answer.evidence.length >= 1);
  for (const evidence of answer.evidence) {
    const source = answer.sources.find((s: { n: number }) => s.n === evidence.n);
    assert.ok(evidence.matched);
    assert.ok(evidence.startLine >= source.startLine && evidence.endLine <= source.endLine);
    const file = (await fs.readFile(path.join(fixtures, source.path), 'utf8')).split('\n');
    const cited = file.slice(evidence.startLine - 1, evidence.endLine).join(' ');
    assert.ok(evidence.endLine - evidence.startLine <= 2, `a quoted sentence, not a passage: ${evidence.startLine}-${evidence.endLine}`);
    const quoted = cited.trim().split(/\s+/).slice(0, 3).join(' ');
    assert.ok(answer.answer.replace(/\s+/g, ' ').includes(quoted), `the answer quotes "${quoted}"`);
  }
});
