import type http from 'node:http';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isInitializeRequest,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';

/** An HTTP reply: its status and JSON body (none for 202). */
export interface ExchangeReply {
  status: number;
  body?: unknown;
}

const refusal = (status: number, code: number, message: string): ExchangeReply => ({
  status,
  body: { jsonrpc: '2.0', error: { code, message }, id: null },
});

/**
 * One POST of stateless streamable HTTP, answered with JSON (the transport's `enableJsonResponse` mode), as a
 * transport a server connects to for that request. The SDK's own Node transport does the same through web
 * `Request` and `Response` objects; converting each request and reply cost about a millisecond of the server's
 * CPU per call, a fifth of a `search_docs` (docs/speed-profile.md). The checks are the transport's: hosts
 * (DNS rebinding), `Accept`, `Content-Type`, the message's shape, the protocol version (batches are refused before,
 * by `rejectMalformed`).
 */
export class JsonExchangeTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: Transport['onclose'];
  onerror?: Transport['onerror'];
  private answer: ((message: JSONRPCMessage) => void) | undefined;
  private abandon: ((error: Error) => void) | undefined;

  /** `allowedHosts`, when given, are the only `Host` headers served. */
  constructor(private readonly allowedHosts?: readonly string[]) {}

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    // Only the reply goes back: with JSON replies there is no stream for a notification (as in the SDK's mode). The
    // server's own messages need no second validation to tell a reply: it has a result or an error.
    if ('result' in message || 'error' in message) this.answer?.(message);
  }

  async close(): Promise<void> {
    // A client gone before its reply: the exchange ends instead of waiting for a reply no one reads.
    this.abandon?.(new Error('the connection closed before the reply'));
    this.answer = this.abandon = undefined;
    this.onclose?.();
  }

  /** The reply to `raw` (the body, already checked to be one JSON-RPC object) sent with `req`'s headers. */
  async exchange(req: http.IncomingMessage, raw: unknown): Promise<ExchangeReply> {
    const host = req.headers.host;
    if (this.allowedHosts && (!host || !this.allowedHosts.includes(host))) return refusal(403, -32000, `Invalid Host header: ${host}`);
    const accept = req.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream'))
      return refusal(406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream');
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (contentType !== 'application/json') return refusal(415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    const parsed = JSONRPCMessageSchema.safeParse(raw);
    if (!parsed.success) return refusal(400, -32700, 'Parse error: Invalid JSON-RPC message');
    // Validated once above; after that its shape says what it is (a request has a method and an id).
    const message = parsed.data;
    const isRequest = 'method' in message && 'id' in message;
    const initializing = isRequest && message.method === 'initialize' && isInitializeRequest(message);
    const version = req.headers['mcp-protocol-version'];
    if (!initializing && typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version))
      return refusal(
        400,
        -32000,
        `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
      );
    const requestInfo = {
      headers: req.headers,
      url: URL.canParse(`http://${host}`) ? new URL(req.url ?? '/', `http://${host}`) : new URL('http://localhost/'),
    };
    if (!isRequest) {
      this.onmessage?.(message, { requestInfo });
      return { status: 202 };
    }
    const replied = new Promise<JSONRPCMessage>((resolve, reject) => ([this.answer, this.abandon] = [resolve, reject]));
    this.onmessage?.(message, { requestInfo });
    return { status: 200, body: await replied };
  }
}

/** Writes `reply` as the HTTP response. */
export function writeReply(res: http.ServerResponse, { status, body }: ExchangeReply): void {
  if (body === undefined) res.writeHead(status).end();
  else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
