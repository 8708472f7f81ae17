import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { DocsIndex } from '../../src/core/indexing/docsIndex';
import { tempDir, writeTree } from '../support/tempDir';

const repo = path.join(__dirname, '../..');
const cliArgs = ['--import', 'tsx', path.join(repo, 'src/cli/index.ts')];

async function docsFolder() {
  const base = await tempDir();
  const root = path.join(base, 'docs');
  await writeTree(root, {
    'install.md': '# Install\n\nRun `pip install widgetron` to install Widgetron.\n\n## Upgrade\n\nRun `pip install -U widgetron`.\n',
    'deploy.md': '# Deploy\n\nThe `widgetron deploy --region eu` command ships the service.\n',
    '.env': 'API_TOKEN=hunter2\n',
  });
  await writeTree(base, { 'outside/secret.md': '# Secret\n\nThe launch code is 0000.\n' });
  await fs.symlink(path.join(base, 'outside/secret.md'), path.join(root, 'linked.md'));
  return { base, root, indexDir: path.join(base, 'idx') };
}

async function connect(root: string, indexDir: string) {
  const client = new Client({ name: 'groundwork-test', version: '1.0.0' });
  const stderr: string[] = [];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...cliArgs, 'mcp', root, '--index', indexDir],
    cwd: repo,
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (data) => stderr.push(String(data)));
  await client.connect(transport);
  return { client, stderr, close: () => client.close() };
}

type ToolResult = { isError?: boolean; content: Array<{ type: string; text?: string }>; structuredContent?: any };
const call = (client: Client, name: string, args: Record<string, unknown> = {}) =>
  client.callTool({ name, arguments: args }) as Promise<ToolResult>;

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('MCP over stdio: lists its tools, searches with citations, reads lines, refuses what is outside, sees edits', async () => {
  const { root, indexDir } = await docsFolder();
  const { client, close } = await connect(root, indexDir);
  try {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['index_status', 'lookup_docs', 'read_doc', 'read_section', 'search_docs']);
    assert.ok(
      tools.every((t) => t.annotations?.readOnlyHint),
      'every tool says it only reads',
    );

    const found = await until(async () => {
      const result = await call(client, 'search_docs', { query: 'pip install widgetron', k: 3 });
      return result.structuredContent?.passages?.length ? result : undefined;
    }, 'the first index');
    const [top] = found.structuredContent.passages;
    assert.equal(top.path, 'install.md');
    assert.equal(top.citation, `install.md:${top.startLine}-${top.endLine}`);
    assert.match(found.content[0].text!, /install\.md:\d+-\d+/);
    assert.ok(!JSON.stringify(found).includes('launch code'), 'the symlinked secret is not indexed');

    const lines = await call(client, 'read_doc', { path: 'install.md', startLine: 3, endLine: 3 });
    assert.equal(lines.isError, undefined);
    assert.equal(lines.structuredContent.text, 'Run `pip install widgetron` to install Widgetron.');
    assert.equal(lines.structuredContent.citation, 'install.md:3-3');

    for (const refused of [
      '../outside/secret.md',
      path.join(path.dirname(root), 'outside/secret.md'),
      'linked.md',
      '.env',
      '/etc/passwd',
    ]) {
      const result = await call(client, 'read_doc', { path: refused });
      assert.equal(result.isError, true, `${refused} is refused`);
      assert.doesNotMatch(JSON.stringify(result), /launch code|hunter2|root:/);
    }
    const bad = await call(client, 'search_docs', { query: '' });
    assert.equal(bad.isError, true);

    // A file written while the server runs is found without restarting it.
    await fs.writeFile(path.join(root, 'rollback.md'), '# Rollback\n\nUse `widgetron rollback --to v1.2.2` to go back.\n');
    const rollback = await until(async () => {
      const result = await call(client, 'search_docs', { query: 'widgetron rollback', k: 1 });
      return result.structuredContent?.passages?.[0]?.path === 'rollback.md' ? result : undefined;
    }, 'the new file to be indexed');
    assert.ok(rollback);

    const status = await call(client, 'index_status');
    assert.equal(status.structuredContent.files, 3);
    assert.equal(status.structuredContent.writer, true);
    assert.ok(
      status.structuredContent.skipped.some(
        (s: { path: string; reason: string }) => s.path === 'linked.md' && /outside the folder/.test(s.reason),
      ),
    );
  } finally {
    await close();
  }
});

test('MCP beside a running writer: it only reads, and picks up what the writer commits', async () => {
  const { root, indexDir } = await docsFolder();
  const writer = await DocsIndex.open({ root, indexDir, embedder: new HashingEmbedder() });
  await writer.update();
  const { client, close } = await connect(root, indexDir);
  try {
    const status = await call(client, 'index_status');
    assert.equal(status.structuredContent.writer, false, 'the lock is the writer’s');
    assert.equal(status.structuredContent.files, 2);

    await fs.writeFile(path.join(root, 'setup.md'), '# Setup\n\nSet `WIDGETRON_HOME` before the first run.\n');
    await writer.update();
    const found = await until(async () => {
      const result = await call(client, 'search_docs', { query: 'WIDGETRON_HOME first run', k: 1 });
      return result.structuredContent?.passages?.[0]?.path === 'setup.md' ? result : undefined;
    }, 'the writer’s commit');
    assert.ok(found);
  } finally {
    await close();
    await writer.close();
  }
});

test('MCP over HTTP: loopback by default, a bearer token when one is set, and no network address without one', async () => {
  const { root, indexDir } = await docsFolder();
  const start = (args: string[], env: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [...cliArgs, 'mcp', root, '--index', indexDir, ...args], {
      cwd: repo,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (data) => (stderr += data));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { child, exited, stderr: () => stderr };
  };

  const refused = start(['--http', '0', '--host', '0.0.0.0']);
  assert.equal(await refused.exited, 2);
  assert.match(refused.stderr(), /refusing to serve on 0\.0\.0\.0 without a token: set GROUNDWORK_MCP_TOKEN/);

  const server = start(['--http', '0'], { GROUNDWORK_MCP_TOKEN: 'team-secret' });
  try {
    const url = await until(async () => server.stderr().match(/at (http:\/\/127\.0\.0\.1:\d+\/mcp)/)?.[1], 'the server address');
    const denied = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(denied.status, 401);

    const client = new Client({ name: 'groundwork-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: 'Bearer team-secret' } } }),
    );
    const result = await until(async () => {
      const r = (await client.callTool({ name: 'search_docs', arguments: { query: 'deploy region', k: 1 } })) as ToolResult;
      return r.structuredContent?.passages?.length ? r : undefined;
    }, 'a search over HTTP');
    assert.equal(result.structuredContent.passages[0].path, 'deploy.md');
    await client.close();

    // Many clients at once, each several times (servers are kept and reused between requests, searches run in
    // turn): every answer is its own question's.
    const clients = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const c = new Client({ name: 'groundwork-test', version: '1.0.0' });
        await c.connect(
          new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: 'Bearer team-secret' } } }),
        );
        return c;
      }),
    );
    const asked = await Promise.all(
      clients.flatMap((c, i) =>
        [0, 1, 2].map(async (j) => {
          const [query, file] = (i + j) % 2 ? ['deploy region', 'deploy.md'] : ['upgrade pip install', 'install.md'];
          const r = (await c.callTool({ name: 'search_docs', arguments: { query, k: 1 } })) as ToolResult;
          return [r.structuredContent.query === query, r.structuredContent.passages[0]?.path === file];
        }),
      ),
    );
    assert.deepEqual(
      asked,
      Array.from({ length: 18 }, () => [true, true]),
    );
    await Promise.all(clients.map((c) => c.close()));

    // The scheme is case-insensitive (RFC 7235); a page on another origin is refused whatever it sends.
    const ping = (headers: Record<string, string>) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
    assert.equal((await ping({ authorization: 'bearer team-secret' })).status, 200);
    assert.equal((await ping({ authorization: 'BEARER team-secret' })).status, 200);
    assert.equal((await ping({ authorization: 'bearer team-secret', origin: 'http://evil.example' })).status, 403);
    assert.equal((await ping({ authorization: 'bearer team-secret', origin: 'http://localhost:5173' })).status, 200);
    const malformed = await fetch(url, {
      method: 'POST',
      headers: { authorization: 'Bearer team-secret', 'content-type': 'application/json' },
      body: '{not json',
    });
    assert.equal(((await malformed.json()) as { error: { code: number } }).error.code, -32700);

    // What streamable HTTP requires of a request, each refused with its own status: a host name other than the
    // loopback address (a rebound DNS name), a client that cannot take JSON and event streams, a body that is not
    // JSON, a protocol version the server does not speak. A notification is taken with 202 and no body.
    const { port } = new URL(url);
    const raw = (headers: Record<string, string>, body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' })) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/mcp',
            method: 'POST',
            headers: {
              authorization: 'Bearer team-secret',
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              ...headers,
            },
          },
          (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    assert.equal((await raw({})).status, 200);
    assert.equal((await raw({ host: `localhost:${port}` })).status, 200);
    const rebound = await raw({ host: `attacker.example:${port}` });
    assert.equal(rebound.status, 403);
    assert.match(rebound.body, /Invalid Host header/);
    assert.equal((await raw({ accept: 'application/json' })).status, 406);
    assert.equal((await raw({ 'content-type': 'text/plain' })).status, 415);
    assert.equal((await raw({ 'mcp-protocol-version': '1999-01-01' })).status, 400);
    const notified = await raw({}, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    assert.deepEqual(notified, { status: 202, body: '' });
  } finally {
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  }
});

test('MCP over stdio ends when its client closes stdin, releasing the index for other writers', async () => {
  const { root, indexDir } = await docsFolder();
  const child = spawn(process.execPath, [...cliArgs, 'mcp', root, '--index', indexDir], { cwd: repo, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (data) => (stderr += data));
  await until(async () => (stderr.includes('Groundwork MCP server on stdio') ? true : undefined), 'the server to start');
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, stderr);
  await assert.rejects(fs.stat(path.join(indexDir, 'index.lock')), 'the write lock is released');
});
