/** The MCP server's share of `npm run bench`: start to first result, and search_docs round trips over stdio. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { EvalQuery } from '../src/core/eval/metrics';
import { ms, percentile, row } from './benchFormat';

export async function benchMcp(
  log: (line?: string) => void,
  root: string,
  evalDir: string,
  work: string,
  queries: EvalQuery[],
): Promise<void> {
  const cli = path.join(root, 'dist/cli.js');
  const corpus = path.join(evalDir, 'ray-docs/corpus');
  const indexDir = path.join(work, 'mcp-ray-index');
  // Built first, as a team's CI or the extension would have: the server then opens it and checks it is current.
  execFileSync(process.execPath, [cli, 'index', corpus, '--index', indexDir], { stdio: 'ignore' });

  const started = performance.now();
  const client = new Client({ name: 'groundwork-bench', version: '1' });
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp', corpus, '--index', indexDir], stderr: 'ignore' }),
  );
  const first = (await client.callTool({ name: 'search_docs', arguments: { query: queries[0].question, k: 10 } })) as {
    structuredContent?: { passages?: unknown[] };
  };
  const firstResultMs = performance.now() - started;
  if (!first.structuredContent?.passages?.length) throw new Error('the MCP server returned no passages');

  const times: number[] = [];
  for (const query of queries) {
    const t = performance.now();
    await client.callTool({ name: 'search_docs', arguments: { query: query.question, k: 10 } });
    times.push(performance.now() - t);
  }
  await client.close();

  log('## MCP server (`groundwork mcp`)');
  log();
  log(
    `Command: \`npm run bench\`: \`node dist/cli.js mcp ../shared/eval/ray-docs/corpus --index DIR\` over stdio, driven by the MCP SDK's own client; the index was built beforehand by \`groundwork index\`. Round trips: the ${queries.length} ray-docs dev questions, \`search_docs\` with k = 10, one after another.`,
  );
  log();
  log(row(['measure', 'value', 'target']));
  log(row(['---', '---', '---']));
  log(row(['server start (process, index open, check of every file) to the first result', ms(firstResultMs), '≤ 1 s']));
  log(row(['`search_docs` round trip, p50', ms(percentile(times, 0.5)), '']));
  log(row(['`search_docs` round trip, p95', ms(percentile(times, 0.95)), '≤ 30 ms']));
  log();
}
