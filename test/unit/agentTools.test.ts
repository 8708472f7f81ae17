import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readDocLines } from '../../src/core/docsTools/readDocLines';
import { parseSectionInput, readSection } from '../../src/core/docsTools/readSection';
import { fitPassages } from '../../src/core/docsTools/runDocsSearch';
import { toPassage } from '../../src/core/docsTools/searchDocs';
import { DOCS_TOOLS } from '../../src/core/docsTools/toolDeclarations';
import { originAllowed, rejectMalformed } from '../../src/mcp/jsonRpcGuard';
import { runCliCaptured } from '../support/cli';
import { closeAtEnd, tempDir, writeTree } from '../support/tempDir';

const repo = path.join(__dirname, '../..');
const fixtures = path.join(repo, 'test/fixtures/docs');
const cliArgs = ['--import', 'tsx', path.join(repo, 'src/cli/index.ts')];

test("package.json declares each editor tool exactly as the core's one declaration does", async () => {
  const pkg = JSON.parse(await fs.readFile(path.join(repo, 'package.json'), 'utf8'));
  const declared = pkg.contributes.languageModelTools as Array<Record<string, unknown>>;
  const expected = DOCS_TOOLS.filter((t) => t.editorName);
  assert.deepEqual(
    declared.map((t) => t.name),
    expected.map((t) => t.editorName),
  );
  for (const tool of expected) {
    const entry = declared.find((t) => t.name === tool.editorName)!;
    assert.equal(entry.toolReferenceName, tool.referenceName, tool.mcpName);
    assert.equal(entry.modelDescription, tool.description, tool.mcpName);
    assert.deepEqual(entry.inputSchema, tool.inputSchema, tool.mcpName);
  }
});

test('read_section returns the whole section a citation points into, subsections included, with its own citation', async () => {
  const base = await tempDir();
  const body = Array.from({ length: 30 }, (_, i) => `Retry detail ${i + 1} for the upload client.`).join('\n\n');
  await writeTree(base, {
    'guide.md': `# Guide\n\nIntro.\n\n## Retries\n\n${body}\n\n### Backoff\n\nBackoff doubles each time.\n\n## Deploy\n\nShip it.\n`,
  });
  const folders = [{ root: base }];
  const byLine = await readSection(folders, parseSectionInput({ citation: 'guide.md:40-42' }));
  assert.deepEqual(byLine.headingPath, ['Guide', 'Retries']);
  assert.match(byLine.text, /^## Retries/);
  assert.match(byLine.text, /### Backoff\n\nBackoff doubles each time\.$/);
  assert.doesNotMatch(byLine.text, /Ship it/);
  assert.equal(byLine.citation, `guide.md:${byLine.startLine}-${byLine.endLine}`);
  const byAnchor = await readSection(folders, parseSectionInput({ path: 'guide.md', anchor: '#retries' }));
  assert.equal(byAnchor.citation, byLine.citation);
  const capped = await readSection(folders, parseSectionInput({ citation: 'guide.md:7', maxTokens: 60 }));
  assert.ok(capped.endLine < byLine.endLine);
  assert.match(capped.note!, /Cut at line \d+ to fit 60 tokens; read on from line \d+/);
  assert.throws(() => parseSectionInput({ path: 'guide.md' }), /a line inside it or by its anchor/);
  await assert.rejects(readSection(folders, parseSectionInput({ path: 'guide.md', anchor: 'nope' })), /no section with the anchor "nope"/);
});

test('a notebook is read as its cells (markdown, and code marked as such), never as JSON', async () => {
  const lines = await readDocLines([{ root: fixtures }], { path: 'guide/tour.ipynb' });
  assert.doesNotMatch(lines.text, /"cell_type"|\\n",/);
  assert.match(lines.text, /^\[cell 1, markdown, lines \d+-\d+\]\n# Notebook tour\n\nThis notebook shows the quantum sprocket\.$/m);
  assert.match(lines.text, /\[cell 2, code, lines \d+-\d+\]\n```\nprint\('code cells are not indexed'\)\n```/);
  assert.deepEqual(
    lines.cells?.map((c) => [c.cell, c.kind]),
    [
      [1, 'markdown'],
      [2, 'code'],
      [3, 'markdown'],
    ],
  );
  const section = await readSection([{ root: fixtures }], parseSectionInput({ path: 'guide/tour.ipynb', anchor: 'sprocket-tuning' }));
  assert.match(section.text, /\[cell 3, markdown[^\]]*\]\n## Sprocket tuning\n\nTune the sprocket/);
});

test('a search budget keeps whole passages in rank order and cuts the last at a line, saying so', () => {
  const passage = (n: number) =>
    toPassage({
      path: `p${n}.md`,
      startLine: 1,
      endLine: 20,
      headingPath: [],
      anchor: '',
      text: Array.from({ length: 20 }, (_, i) => `Line ${i + 1} of passage ${n} says something about retries.`).join('\n'),
      score: 1,
      lexicalScore: 1,
      vectorScore: 1,
      coverage: 1,
    });
  const fitted = fitPassages([passage(1), passage(2), passage(3)], 300);
  assert.equal(fitted.length, 2);
  assert.equal(fitted[0].endLine, 20);
  assert.ok(fitted[1].endLine < 20);
  assert.equal(fitted[1].citation, `p2.md:1-${fitted[1].endLine}`);
  assert.match(fitted[1].note!, /cut at line \d+ to fit 300 tokens/);
});

test('JSON-RPC: malformed input gets the error JSON-RPC names; browser origins other than loopback are refused', () => {
  assert.equal(rejectMalformed('{not json')?.error.code, -32700);
  assert.equal(rejectMalformed('[{"jsonrpc":"2.0","id":1,"method":"ping"}]')?.error.code, -32600);
  assert.deepEqual(rejectMalformed('{"jsonrpc":"1.0","id":7,"method":"ping"}')?.id, 7);
  assert.equal(rejectMalformed('{"jsonrpc":"1.0","id":7,"method":"ping"}')?.error.code, -32600);
  assert.equal(rejectMalformed('{"jsonrpc":"2.0","id":3,"method":"tools/call"}')?.error.code, -32602);
  assert.equal(rejectMalformed('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search_docs","arguments":{}}}'), undefined);
  assert.equal(rejectMalformed('{"jsonrpc":"2.0","method":"notifications/initialized"}'), undefined);
  assert.equal(originAllowed(undefined), true);
  assert.equal(originAllowed('http://localhost:5173'), true);
  assert.equal(originAllowed('http://127.0.0.1:8080'), true);
  assert.equal(originAllowed('http://evil.example'), false);
  assert.equal(originAllowed('http://evil.example', ['http://evil.example']), true);
  assert.equal(originAllowed('null'), false);
});

test('MCP over stdio answers malformed lines with JSON-RPC errors instead of silence', async () => {
  const base = await tempDir();
  await writeTree(base, { 'docs/a.md': '# A\n\nText.\n' });
  const child = spawn(process.execPath, [...cliArgs, 'mcp', path.join(base, 'docs'), '--index', path.join(base, 'idx')], {
    cwd: repo,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  closeAtEnd(async () => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stdin.write('{not json\n');
  child.stdin.write('[{"jsonrpc":"2.0","id":1,"method":"ping"}]\n');
  child.stdin.write('{"jsonrpc":"1.0","id":2,"method":"ping"}\n');
  child.stdin.write('{"jsonrpc":"2.0","id":3,"method":"tools/call"}\n');
  const deadline = Date.now() + 15_000;
  while (out.trim().split('\n').length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  child.stdin.end();
  const replies = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: unknown; error: { code: number } });
  assert.deepEqual(
    replies.map((r) => [r.id, r.error.code]),
    [
      [null, -32700],
      [null, -32600],
      [2, -32600],
      [3, -32602],
    ],
  );
});

test('groundwork mcp refuses to serve the home folder (a copied config with "." started there)', async () => {
  const result = await runCliCaptured(['mcp', os.homedir()], { ...process.env });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /refusing to serve .* name the docs folder/);
});

test('MCP tells the agent what it is talking to: instructions at initialize, a table of contents, docs by URI', async () => {
  const base = await tempDir();
  const client = new Client({ name: 'groundwork-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [...cliArgs, 'mcp', fixtures, '--index', path.join(base, 'idx')],
      cwd: repo,
      stderr: 'pipe',
    }),
  );
  closeAtEnd(() => client.close());
  const instructions = client.getInstructions() ?? '';
  assert.match(instructions, /Cite what you use as path:start-end/);
  assert.match(instructions, /data, never instructions/);
  let toc = '';
  for (let i = 0; i < 100 && !toc.includes('tour.ipynb'); i++) {
    toc = String(((await client.readResource({ uri: 'groundwork://toc' })).contents[0] as { text: string }).text);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(toc, /- guide\/tour\.ipynb\n\s+- Notebook tour \(guide\/tour\.ipynb:\d+\)/);
  const listed = await client.listResources();
  assert.ok(listed.resources.some((r) => r.uri === 'groundwork://doc/guide/install.md'));
  const doc = await client.readResource({ uri: 'groundwork://doc/guide/install.md' });
  assert.match(String((doc.contents[0] as { text: string }).text), /^guide\/install\.md:1-\d+/);
});

test('the MCP writer follows file events: an edit is searchable at its new lines in well under its poll interval', async () => {
  const base = await tempDir();
  await writeTree(base, { 'docs/guide.md': '# Guide\n\nThe zephyr valve opens at noon.\n', 'docs/other.md': '# Other\n\nNothing here.\n' });
  const client = new Client({ name: 'groundwork-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [...cliArgs, 'mcp', path.join(base, 'docs'), '--index', path.join(base, 'idx')],
      cwd: repo,
      stderr: 'pipe',
    }),
  );
  closeAtEnd(() => client.close());
  type Found = { structuredContent: { passages: Array<{ path: string; startLine: number; text: string }> } };
  const search = async (query: string) =>
    ((await client.callTool({ name: 'search_docs', arguments: { query, k: 1 } })) as unknown as Found).structuredContent.passages[0];
  for (let i = 0; i < 100 && !(await search('zephyr valve')); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await search('zephyr valve')).startLine, 1);
  // Three edits in a row (lines added above the passage, a new word), each found within a second: the poll alone
  // (every 3 s or more) would miss most of them.
  for (const [n, word] of ['quokka', 'ocelot', 'narwhal'].entries()) {
    await new Promise((r) => setTimeout(r, 300));
    await fs.writeFile(
      path.join(base, 'docs/guide.md'),
      `# Guide\n${'\nA new intro line.\n'.repeat(n + 1)}\n## Valve\n\nThe ${word} valve opens at noon.\n`,
    );
    const started = Date.now();
    let found: { path: string; startLine: number; text: string } | undefined;
    while (Date.now() - started < 3000) {
      found = await search(`${word} valve`);
      if (found?.text.includes(word)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(found?.text.includes(word), `the edit with ${word} is found`);
    assert.ok(Date.now() - started < 1000, `${word} found after ${Date.now() - started} ms`);
  }
});
