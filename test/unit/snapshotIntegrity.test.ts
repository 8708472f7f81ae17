import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCliCaptured } from '../support/cli';
import { tempDir, writeTree } from '../support/tempDir';

const cli = (args: string[]) => runCliCaptured(args, { ...process.env, OPENAI_API_KEY: '', GROUNDWORK_LOCK_WAIT_MS: '300' });

/** Rotates every lowercase `p` to `q` in the snapshot's chunk text (its last section), as bit rot might. */
async function rotLetters(file: string): Promise<number> {
  const bytes = await fs.readFile(file);
  const header = JSON.parse(bytes.toString('utf8', 12, 12 + bytes.readUInt32LE(8))) as { sections: number[] };
  const textStart = bytes.length - header.sections[header.sections.length - 1];
  let changed = 0;
  for (let i = textStart; i < bytes.length; i++)
    if (bytes[i] === 0x70) {
      bytes[i] = 0x71;
      changed++;
    }
  await fs.writeFile(file, bytes);
  return changed;
}

test('a snapshot damaged on disk is found on open and not used: results cite the text at their lines', async () => {
  const base = await tempDir();
  const files: Record<string, string> = {};
  for (let i = 0; i < 20; i++)
    files[`docs/page${i}.md`] = `# CheckpointConfig ${i}\n\nThe CheckpointConfig keeps the top checkpoints of run ${i}.\n`;
  await writeTree(base, files);
  const docs = path.join(base, 'docs');
  const index = path.join(base, 'index');
  assert.equal((await cli(['index', docs, '--index', index])).code, 0);
  assert.ok((await rotLetters(path.join(index, 'search-snapshot.bin'))) > 0);

  const status = await cli(['status', docs, '--index', index, '--json']);
  const problems = (JSON.parse(status.stdout) as { problems: string[] }).problems;
  assert.ok(
    problems.some((p) => /search snapshot could not be used \(damaged/.test(p)),
    problems.join(' | '),
  );

  const search = await cli(['search', docs, 'CheckpointConfig top checkpoints', '--index', index, '--json', '--k', '20']);
  assert.equal(search.code, 0, search.stderr);
  const results = (JSON.parse(search.stdout) as { results: Array<{ path: string; startLine: number; endLine: number; text: string }> })
    .results;
  assert.ok(results.length > 0);
  for (const result of results) {
    const lines = (await fs.readFile(path.join(docs, result.path), 'utf8')).split('\n');
    assert.equal(result.text, lines.slice(result.startLine - 1, result.endLine).join('\n'), `${result.path}:${result.startLine}`);
  }
  const verify = await cli(['index', docs, '--index', index, '--verify']);
  assert.equal(verify.code, 0, verify.stderr);
});
