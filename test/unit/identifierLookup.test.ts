import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { DocsIndex } from '../../src/core/indexing/docsIndex';
import { parseIdentifier } from '../../src/core/retrieval/identifierLookup';
import { closeAtEnd, tempDir, writeTree } from '../support/tempDir';

const repo = path.join(__dirname, '../..');

/** Docs where the parts of every compound name are common words (tune, config, num, gpus), as in the Ray docs. */
async function apiDocs() {
  const base = await tempDir();
  const files: Record<string, string> = {
    'tune/api.rst':
      'Tune API\n========\n\nTuneConfig\n----------\n\n.. py:class:: ray.tune.TuneConfig\n\n   Configuration for tuning: ``num_samples``, ``max_concurrent_trials``.\n\n' +
      'Tuner\n-----\n\n.. py:class:: ray.tune.Tuner\n\n   The tuner runs trials; pass ``param_space`` and a ``TuneConfig``.\n',
    'train/scaling.md':
      '# Scaling\n\n## ScalingConfig\n\n`ScalingConfig(num_workers=2, use_gpu=True)` sets `num_workers` and `use_gpu`.\n\n- `resources_per_worker`: a dict, for example `{"GPU": num_gpus}`.\n',
    'cpp/cwnd.md':
      '# CWnd class\n\n## CWnd::Create\n\n```cpp\nvirtual BOOL Create(LPCTSTR lpszClassName);\n```\n\nCreates the child window.\n',
    'cpp/algorithm.md': '# algorithm\n\n## find_first_of\n\n`std::find_first_of` searches a range for any of a set of values.\n',
    // Language references give their keywords sections of their own, as the C++ docs do.
    'cpp/static.md': '# static (C++)\n\nThe `static` keyword gives a variable static storage duration.\n',
    'cpp/import.md': '# import\n\nThe `import` declaration imports a module unit.\n',
    'cpp/count.md': '# count\n\n`count` returns how many elements equal a value.\n',
  };
  // Many pages that say "tune", "config", "number of GPUs", "value", "self", "return": the words code is full of.
  for (let i = 0; i < 40; i++)
    files[`guide/page${i}.md`] =
      `# Guide ${i}\n\nTo tune the config, return the value from self.run(); set the number of gpus (num gpus) in the config of trial ${i}.\n`;
  await writeTree(base, files);
  const index = await DocsIndex.open({ root: base, indexDir: path.join(base, '.idx'), embedder: new HashingEmbedder() });
  closeAtEnd(() => index.close());
  await index.update();
  return { base, index };
}

test('names from code: compound, snake_case, qualified and C++ names find the passage that defines them first', async () => {
  const { index } = await apiDocs();
  const first = (name: string) => index.lookup(name, 3)[0];
  assert.equal(first('TuneConfig').result.path, 'tune/api.rst');
  assert.ok(first('TuneConfig').defines);
  assert.equal(first('ScalingConfig').result.path, 'train/scaling.md');
  assert.equal(first('use_gpu').result.path, 'train/scaling.md', 'snake_case, though "use" and "gpu" are everywhere');
  assert.equal(first('tune.Tuner').result.path, 'tune/api.rst', 'qualified: the last part, with its qualifier');
  assert.equal(first('CWnd::Create').result.path, 'cpp/cwnd.md');
  assert.equal(first('std::find_first_of').result.path, 'cpp/algorithm.md');
  // The name as written comes first; its parts (tune, config) only fill the places it leaves, after it.
  for (const name of ['TuneConfig', 'use_gpu', 'find_first_of']) {
    const hits = index.lookup(name, 3);
    assert.ok(hits[0].exact, name);
    assert.deepEqual(
      hits.map((h) => h.exact),
      [...hits.map((h) => h.exact)].sort((a, b) => Number(b) - Number(a)),
      `${name}: exact before parts`,
    );
  }
});

test('words that say nothing stay quiet (language keywords too), and a name the docs do not mention shows nothing', async () => {
  const { index } = await apiDocs();
  for (const word of ['self', 'return', 'int', 'value', 'config', 'tune'])
    assert.deepEqual(
      index.lookup(word, 3).map((h) => h.result.path),
      [],
      word,
    );
  assert.deepEqual(index.lookup('FrobnicatorFactory', 3), []);
  // A keyword is syntax, even where the docs give it a section; a name with a section of its own is shown.
  for (const keyword of ['static', 'import']) assert.deepEqual(index.lookup(keyword, 3), [], keyword);
  assert.equal(index.lookup('count', 3)[0]?.result.path, 'cpp/count.md');
  assert.equal(parseIdentifier('a b'), undefined);
  assert.deepEqual(parseIdentifier('CWnd::Create'), { written: 'CWnd::Create', name: 'Create', qualifiers: ['CWnd'] });
});

test('lookup_docs over MCP: the same passages with citations, and covered: false when nothing documents the name', async () => {
  const { base } = await apiDocs();
  const client = new Client({ name: 'groundwork-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', path.join(repo, 'src/cli/index.ts'), 'mcp', base, '--index', path.join(base, '.idx-mcp')],
      cwd: repo,
      stderr: 'pipe',
    }),
  );
  closeAtEnd(() => client.close());
  type Result = {
    structuredContent: { covered: boolean; passages: Array<{ path: string; citation: string }> };
    content: Array<{ text: string }>;
  };
  let found: Result | undefined;
  for (let i = 0; i < 100; i++) {
    found = (await client.callTool({ name: 'lookup_docs', arguments: { identifier: 'TuneConfig' } })) as unknown as Result;
    // Until the first build ends, a partial index may offer only pages with the name's parts.
    if (found.structuredContent.passages[0]?.path === 'tune/api.rst') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(found!.structuredContent.covered, true);
  assert.equal(found!.structuredContent.passages[0].path, 'tune/api.rst');
  assert.match(found!.content[0].text, /tune\/api\.rst:\d+-\d+/);
  const missing = (await client.callTool({ name: 'lookup_docs', arguments: { identifier: 'FrobnicatorFactory' } })) as unknown as Result;
  assert.equal(missing.structuredContent.covered, false);
  assert.match(missing.content[0].text, /do not cover it/);
});
