import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Transform } from 'node:stream';
import { JsonExchangeTransport, writeReply } from './jsonExchange';
import { originAllowed, PARSE_ERROR, rejectMalformed } from './jsonRpcGuard';

/** Requests larger than this are refused: a docs query is a few hundred bytes. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** stdio: stdout carries protocol messages only; everything else goes to stderr. Resolves when the client leaves. */
export async function serveStdio(server: McpServer): Promise<void> {
  // Malformed lines are answered here (the SDK's transport drops them without a reply); the rest pass on.
  let pending = '';
  const input = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        const rejected = rejectMalformed(line);
        if (rejected) process.stdout.write(`${JSON.stringify(rejected)}\n`);
        else this.push(`${line}\n`);
      }
      done();
    },
  });
  process.stdin.pipe(input);
  const transport = new StdioServerTransport(input, process.stdout);
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
  /** Browser origins allowed besides loopback pages (`--allow-origin`); any other `Origin` is refused. */
  allowedOrigins?: string[];
}

export class McpHttpRefused extends Error {}

/** Servers kept between requests (each serves one request at a time): as many as clients usually ask at once. */
const MOST_IDLE_SERVERS = 32;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Streamable HTTP, stateless: each request gets a server of its own over the shared index (one kept from an earlier
 * request when one is idle). Loopback by default; any
 * other address needs a token, so an index is never served to a network without one.
 */
export async function serveHttp(makeServer: () => McpServer, options: HttpOptions): Promise<http.Server> {
  const loopback = LOOPBACK.has(options.host);
  if (!loopback && !options.token)
    throw new McpHttpRefused(
      `refusing to serve on ${options.host} without a token: set GROUNDWORK_MCP_TOKEN (clients send it as "Authorization: Bearer <token>")`,
    );
  const expected = options.token ? Buffer.from(options.token) : undefined;
  const authorized = (header: string | undefined) => {
    if (!expected) return true;
    // The scheme is case-insensitive (RFC 7235): "bearer" and "BEARER" are "Bearer".
    const match = /^bearer\s+(.+)$/i.exec(header ?? '');
    const given = Buffer.from(match?.[1] ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const idle: McpServer[] = [];
  const httpServer = http.createServer(async (req, res) => {
    // A page in a browser must not reach the docs (MCP: servers must validate Origin).
    if (!originAllowed(req.headers.origin, options.allowedOrigins)) {
      res
        .writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: `origin ${req.headers.origin} is not allowed` }, id: null }));
      return;
    }
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
    const server = idle.pop() ?? makeServer();
    // On loopback, a page in a browser must not reach the server through a rebound DNS name.
    const transport = new JsonExchangeTransport(loopback ? [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`] : undefined);
    res.on('close', () => {
      // A server whose transport closed cleanly serves a later request: building one (its tools' schemas, their
      // validators) costs more than many a search.
      void transport.close().then(
        () => {
          if (!server.isConnected() && idle.length < MOST_IDLE_SERVERS) idle.push(server);
          else void server.close();
        },
        () => void server.close(),
      );
    });
    try {
      const body = await readBody(req);
      const rejected = rejectMalformed(body);
      if (rejected) {
        res
          .writeHead(rejected.error.code === PARSE_ERROR ? 400 : 200, { 'content-type': 'application/json' })
          .end(JSON.stringify(rejected));
        return;
      }
      await server.connect(transport);
      writeReply(res, await transport.exchange(req, JSON.parse(body)));
    } catch (error) {
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end(String((error as Error).message));
    }
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, resolve);
  });
  return httpServer;
}
