/** A JSON-RPC error reply, with the request's id when it had one. */
export interface JsonRpcErrorReply {
  jsonrpc: '2.0';
  id: string | number | null;
  error: { code: number; message: string };
}

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INVALID_PARAMS = -32602;

/**
 * What the SDK's transports leave unanswered or answer with an internal error, answered as JSON-RPC says: a line
 * that is not JSON (-32700), a batch or a message that is not JSON-RPC 2.0 (-32600), `tools/call` without a tool
 * name (-32602). Returns the reply to send instead of passing the message on, or undefined when it may pass.
 */
export function rejectMalformed(raw: string): JsonRpcErrorReply | undefined {
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch (error) {
    return reply(null, PARSE_ERROR, `Parse error: ${(error as Error).message}`);
  }
  if (Array.isArray(message)) return reply(null, INVALID_REQUEST, 'Invalid Request: batches are not supported (MCP 2025-06-18)');
  if (!message || typeof message !== 'object') return reply(null, INVALID_REQUEST, 'Invalid Request: a JSON-RPC message is an object');
  const { jsonrpc, id, method, params } = message as Record<string, unknown>;
  const validId = typeof id === 'string' || typeof id === 'number' ? id : null;
  if (jsonrpc !== '2.0') return reply(validId, INVALID_REQUEST, 'Invalid Request: "jsonrpc" must be "2.0"');
  const isResponse = 'result' in (message as object) || 'error' in (message as object);
  if (!isResponse && typeof method !== 'string') return reply(validId, INVALID_REQUEST, 'Invalid Request: "method" must be a string');
  if (method === 'tools/call' && validId !== null) {
    const name = (params as { name?: unknown } | undefined)?.name;
    if (!params || typeof params !== 'object' || typeof name !== 'string')
      return reply(validId, INVALID_PARAMS, 'Invalid params: tools/call needs params.name, the tool to call, and params.arguments');
  }
  return undefined;
}

function reply(id: string | number | null, code: number, message: string): JsonRpcErrorReply {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

/** Whether an `Origin` header may reach the server: none (not a browser), a loopback page, or one configured. */
export function originAllowed(origin: string | undefined, allowed: readonly string[] = []): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}
