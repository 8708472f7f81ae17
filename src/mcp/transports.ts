import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** stdio: stdout carries protocol messages only; everything else goes to stderr. Resolves when the client leaves. */
export async function serveStdio(server: McpServer): Promise<void> {
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  await server.connect(transport);
  process.stdin.once('end', () => void transport.close());
  await closed;
}

export interface HttpOptions {
  port: number;
  host: string;
  /** Every request must carry `Authorization: Bearer <token>` when set. */
  token: string | undefined;
}

export class McpHttpRefused extends Error {}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Streamable HTTP, stateless: each request gets its own server over the shared index. Loopback by default; any
 * other address needs a token, so an index is never served to a network without one.
 */
export async function serveHttp(makeServer: () => McpServer, options: HttpOptions): Promise<http.Server> {
  const loopback = LOOPBACK.has(options.host);
  if (!loopback && !options.token)
    throw new McpHttpRefused(
      `refusing to serve on ${options.host} without a token: set GROUNDWORK_MCP_TOKEN (clients send it as "Authorization: Bearer <token>")`,
    );
  const expected = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;
  const authorized = (header: string | undefined) => {
    if (!expected) return true;
    const given = Buffer.from(header ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const httpServer = http.createServer(async (req, res) => {
    if (!authorized(req.headers.authorization)) {
      res
        .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' })
        .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'missing or wrong bearer token' }, id: null }));
      return;
    }
    if (req.method !== 'POST') {
      // Stateless: no server-initiated stream to resume, no session to end.
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const { port } = httpServer.address() as AddressInfo;
    const server = makeServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      // On loopback, a page in a browser must not reach the server through a rebound DNS name.
      ...(loopback
        ? { enableDnsRebindingProtection: true, allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`] }
        : {}),
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500).end(String((error as Error).message));
    }
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, resolve);
  });
  return httpServer;
}
