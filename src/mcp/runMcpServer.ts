import type { DocsIndexOptions } from '../core/indexing/docsIndex';
import { version } from '../../package.json';
import { FollowedIndex } from './followedIndex';
import { fileSecretsIn } from '../core/docsTools/readDocLines';
import { createDocsServer } from './server';
import { type HttpOptions, McpHttpRefused, serveHttp, serveStdio } from './transports';

export interface McpServerOptions extends Pick<
  DocsIndexOptions,
  'root' | 'indexDir' | 'embedder' | 'discovery' | 'maxFileBytes' | 'chunkWorker'
> {
  /** Streamable HTTP instead of stdio. */
  http?: HttpOptions;
  /** Notices for the user: stderr, never stdout (stdio carries the protocol). */
  log: (message: string) => void;
  /** Redact secret-shaped strings in what the tools return (default true). */
  redactSecrets?: boolean;
}

/** `groundwork mcp`: serves until the client leaves (stdio) or the process is stopped (HTTP). Returns the exit code. */
export async function runMcpServer(options: McpServerOptions): Promise<number> {
  const index = await FollowedIndex.open({ ...options, log: options.log });
  const folder = {
    root: options.root,
    discovery: options.discovery,
    maxFileBytes: options.maxFileBytes,
    redactSecrets: options.redactSecrets,
  };
  const fileSecrets = fileSecretsIn([folder]);
  const make = () => createDocsServer(index, folder, version, fileSecrets);
  try {
    if (!options.http) {
      options.log(
        `Groundwork MCP server on stdio for ${options.root} (${index.writable ? 'indexing it' : 'reading the index another process writes'}).`,
      );
      await serveStdio(make());
      return 0;
    }
    let server;
    try {
      server = await serveHttp(make, options.http);
    } catch (error) {
      if (error instanceof McpHttpRefused) {
        options.log(`groundwork: ${error.message}`);
        return 2;
      }
      throw error;
    }
    const address = server.address();
    const where = typeof address === 'object' && address ? `http://${options.http.host}:${address.port}/mcp` : options.http.host;
    options.log(`Groundwork MCP server at ${where} for ${options.root}${options.http.token ? ' (bearer token required)' : ''}.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return 0;
  } finally {
    await index.close();
  }
}
