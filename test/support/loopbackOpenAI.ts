import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server does with the next request: a reply, a streamed reply, an error, or a hang. */
export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  /** An OpenAI-style error body is sent with a non-2xx status. */
  errorMessage?: string;
  errorCode?: string;
  /** Chat: the answer text, streamed as these pieces (or as one piece). */
  chunks?: string[];
  content?: string;
  delayBetweenChunksMs?: number;
  /** Wait this long before answering at all (for timeouts). */
  hangMs?: number;
  /** Close the connection without answering (no network). */
  destroy?: boolean;
  /** Answer 200 with this body as `text/html`, as a proxy's login page does. */
  html?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/**
 * A real HTTP server on 127.0.0.1 that speaks the parts of the OpenAI API Groundwork uses: chat completions
 * (plain and SSE-streamed), embeddings and models, with errors on demand. It records every request.
 */
export class LoopbackOpenAI {
  readonly requests: RecordedRequest[] = [];
  private queue: ScriptedReply[] = [];
  /** Used when the queue is empty. */
  defaultReply: (request: RecordedRequest) => ScriptedReply = () => ({ content: 'OK.' });
  /** Set when a streamed response was abandoned by the client. */
  clientAborted = false;
  private server?: http.Server;

  enqueue(...replies: ScriptedReply[]): void {
    this.queue.push(...replies);
  }

  get baseURL(): string {
    const address = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}/v1`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let raw = '';
    for await (const piece of req) raw += piece;
    let body: any = undefined;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const request: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
    this.requests.push(request);
    const reply = this.queue.shift() ?? this.defaultReply(request);
    if (reply.hangMs) await sleep(reply.hangMs);
    if (reply.destroy) {
      req.socket.destroy();
      return;
    }
    if (reply.html !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(reply.html);
      return;
    }
    const status = reply.status ?? 200;
    if (status >= 400) {
      res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
      res.end(
        JSON.stringify({ error: { message: reply.errorMessage ?? `error ${status}`, type: 'test_error', code: reply.errorCode ?? null } }),
      );
      return;
    }
    const path = (req.url ?? '').replace(/\?.*$/, '');
    if (path.endsWith('/embeddings')) return this.embeddings(body, res);
    if (path.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'test-model', object: 'model', owned_by: 'test' }] }));
      return;
    }
    if (path.endsWith('/chat/completions')) return this.chat(body, reply, res);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `no route ${path}`, type: 'invalid_request_error' } }));
  }

  private embeddings(body: any, res: http.ServerResponse): void {
    const inputs: string[] = Array.isArray(body?.input) ? body.input : [body?.input ?? ''];
    const dims = body?.dimensions ?? 8;
    const data = inputs.map((text, index) => ({ object: 'embedding', index, embedding: fakeVector(String(text), dims) }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ object: 'list', data, model: body?.model, usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } }),
    );
  }

  private async chat(body: any, reply: ScriptedReply, res: http.ServerResponse): Promise<void> {
    const pieces = reply.chunks ?? [reply.content ?? ''];
    const model = body?.model ?? 'test-model';
    const id = `chatcmpl-${this.requests.length}`;
    const usage = { prompt_tokens: 100, completion_tokens: pieces.join('').length, total_tokens: 100 + pieces.join('').length };
    if (!body?.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created: 0,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: pieces.join('') }, finish_reason: 'stop' }],
          usage,
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.on('close', () => {
      if (!res.writableFinished) this.clientAborted = true;
    });
    const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    send({
      id,
      object: 'chat.completion.chunk',
      created: 0,
      model,
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    });
    for (const piece of pieces) {
      if (res.destroyed) return;
      if (reply.delayBetweenChunksMs) await sleep(reply.delayBetweenChunksMs);
      if (res.destroyed) return;
      send({
        id,
        object: 'chat.completion.chunk',
        created: 0,
        model,
        choices: [{ index: 0, delta: { content: piece }, finish_reason: null }],
      });
    }
    send({ id, object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    if (body?.stream_options?.include_usage) send({ id, object: 'chat.completion.chunk', created: 0, model, choices: [], usage });
    res.write('data: [DONE]\n\n');
    res.end();
  }
}

/** A deterministic vector from the text, so equal texts embed equally and different ones differently. */
function fakeVector(text: string, dims: number): number[] {
  const vector = new Array<number>(dims).fill(0);
  for (let i = 0; i < text.length; i++) vector[(text.charCodeAt(i) * 31 + i) % dims] += 1;
  return vector;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
