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
  /** Stream the chunks, then end the response without a finish reason or `[DONE]` (a dropped connection). */
  cutOff?: boolean;
  /** Stream the chunks, then an SSE `error` event with this message, as servers report a failure mid-stream. */
  streamError?: string;
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
    this.server = http.createServer((req, res) => {
      // A client that goes away mid-request (a stopped answer) resets its socket: that is its business, not a crash.
      req.on('error', () => undefined);
      res.on('error', () => undefined);
      void this.handle(req, res).catch(() => res.destroy());
    });
    // Idle keep-alive sockets stay open longer than a client keeps them, so a reused one is never closed under it.
    this.server.keepAliveTimeout = 120_000;
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
      // A redirect with no Location (a proxy's sign-in page) is answered as it is, not followed.
      res.writeHead(reply.status ?? 200, { 'content-type': 'text/html; charset=utf-8' });
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
    if (path.endsWith('/rerank')) {
      // Text Embeddings Inference rejects a body without its own field name, as axum reports it.
      if (this.rerankShape === 'tei' && !body?.texts)
        return this.json(
          res,
          { error: 'Failed to deserialize the JSON body into the target type: missing field `texts`', error_type: 'Validation' },
          422,
        );
      return this.json(res, this.rerank(body));
    }
    const fileRoute = /\/files\/([^/]+)$/.exec(path);
    if (fileRoute && req.method === 'DELETE') {
      const deleted = this.files.delete(fileRoute[1]);
      return this.json(res, { id: fileRoute[1], object: 'file', deleted });
    }
    if (path.endsWith('/files') && req.method === 'POST')
      return this.json(res, this.upload(req.headers['content-type'] ?? '', String(body)));
    const job = /\/fine_tuning\/jobs(?:\/([^/]+))?(?:\/(events|cancel))?$/.exec(path);
    if (job) return this.fineTuning(req.method ?? 'GET', job[1], job[2], body, res);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `no route ${path}`, type: 'invalid_request_error' } }));
  }

  /** How `/rerank` answers: `{results: [{index, relevance_score}]}` as Cohere, Jina and vLLM do, or TEI's array. */
  rerankShape: 'results' | 'tei' = 'results';

  /**
   * A stand-in for a cross-encoder: a passage scores the share of the query's words it contains, so a test can
   * tell which order a real reranker would have to produce. Results come back best first, as real servers send them.
   */
  private rerank(body: { query?: string; documents?: string[]; texts?: string[] }): unknown {
    const words = (text: string) => new Set(text.toLowerCase().match(/[a-z0-9]+/g) ?? []);
    const query = [...words(body.query ?? '')];
    const passages = body.documents ?? body.texts ?? [];
    const scored = passages
      .map((passage, index) => {
        const have = words(passage);
        return { index, score: query.length ? query.filter((w) => have.has(w)).length / query.length : 0 };
      })
      .sort((a, b) => b.score - a.score);
    return this.rerankShape === 'tei' ? scored : { results: scored.map(({ index, score }) => ({ index, relevance_score: score })) };
  }

  /** Files uploaded with purpose `fine-tune`: name, purpose and content, by id. */
  readonly files = new Map<string, { filename: string; purpose: string; content: string }>();
  /** Fine-tuning jobs, by id, with the states each retrieve walks through. */
  readonly jobs = new Map<string, { job: any; steps: string[]; events: any[] }>();
  /** How the next created job runs: to success, or to failure with a message. */
  nextJobOutcome: { fail?: string } = {};
  /** While set, a running job stays running however often it is polled (a long job, for the reload test). */
  holdJobs = false;
  /** The next job create starts the job, then drops the connection before answering (a client killed or cut off). */
  dropNextJobCreate = false;

  private json(res: http.ServerResponse, value: unknown, status = 200): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  }

  /** A multipart upload, read as the `openai` client sends it: a `purpose` field and one file. */
  private upload(contentType: string, raw: string): unknown {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
    const parts = boundary ? raw.split(`--${boundary[1] ?? boundary[2]}`) : [];
    let purpose = '';
    let filename = '';
    let content = '';
    for (const part of parts) {
      const [head, ...rest] = part.split('\r\n\r\n');
      const value = rest.join('\r\n\r\n').replace(/\r\n$/, '');
      if (/name="purpose"/.test(head)) purpose = value;
      const file = /name="file"; filename="([^"]*)"/.exec(head);
      if (file) [filename, content] = [file[1], value];
    }
    const id = `file-${this.files.size + 1}`;
    this.files.set(id, { filename, purpose, content });
    return { id, object: 'file', bytes: Buffer.byteLength(content), created_at: 0, filename, purpose, status: 'processed' };
  }

  private fineTuning(method: string, id: string | undefined, action: string | undefined, body: any, res: http.ServerResponse): void {
    const now = Math.floor(Date.now() / 1000);
    const event = (entry: { events: any[] }, message: string, level = 'info') =>
      entry.events.push({
        id: `ftevent-${entry.events.length + 1}`,
        object: 'fine_tuning.job.event',
        created_at: now + entry.events.length,
        level,
        message,
      });
    if (!id && method === 'POST') {
      if (!this.files.has(body?.training_file))
        return this.json(res, { error: { message: `no file ${body?.training_file}`, type: 'invalid_request_error' } }, 400);
      const jobId = `ftjob-${this.jobs.size + 1}`;
      const fail = this.nextJobOutcome.fail;
      this.nextJobOutcome = {};
      const entry = {
        job: {
          id: jobId,
          object: 'fine_tuning.job',
          created_at: now,
          model: body.model,
          training_file: body.training_file,
          validation_file: body.validation_file ?? null,
          suffix: body.suffix ?? null,
          metadata: body.metadata ?? null,
          status: 'validating_files',
          fine_tuned_model: null,
          trained_tokens: null,
          error: null,
          hyperparameters: { n_epochs: 'auto' },
          result_files: [],
          organization_id: 'org-test',
          seed: 0,
          finished_at: null,
        },
        steps: fail ? ['running', `failed:${fail}`] : ['running', 'succeeded'],
        events: [] as any[],
      };
      event(entry, `Validating training file: ${body.training_file}`);
      this.jobs.set(jobId, entry);
      if (this.dropNextJobCreate) {
        this.dropNextJobCreate = false;
        res.destroy();
        return;
      }
      return this.json(res, entry.job);
    }
    if (!id) {
      const data = [...this.jobs.values()].map((e) => e.job).reverse();
      return this.json(res, { object: 'list', data, has_more: false });
    }
    const entry = this.jobs.get(id);
    if (!entry) return this.json(res, { error: { message: `no job ${id}`, type: 'invalid_request_error' } }, 404);
    if (action === 'events') return this.json(res, { object: 'list', data: [...entry.events].reverse(), has_more: false });
    if (action === 'cancel') {
      entry.job.status = 'cancelled';
      entry.steps = [];
      event(entry, 'Job cancelled');
      return this.json(res, entry.job);
    }
    // Each retrieve moves an unfinished job one step along its script.
    const next = this.holdJobs && entry.job.status === 'running' ? undefined : entry.steps.shift();
    if (next === 'running') {
      entry.job.status = 'running';
      event(entry, 'Fine-tuning job started');
      event(entry, 'Step 1/30: training loss=1.52');
    } else if (next === 'succeeded') {
      entry.job.status = 'succeeded';
      entry.job.fine_tuned_model = `ft:${entry.job.model}:groundwork::${id.slice(-4)}`;
      entry.job.trained_tokens = 12_345;
      event(entry, 'The job has successfully completed');
    } else if (next?.startsWith('failed:')) {
      entry.job.status = 'failed';
      entry.job.error = { code: 'invalid_training_file', message: next.slice('failed:'.length), param: 'training_file' };
      event(entry, `Job failed: ${next.slice('failed:'.length)}`, 'error');
    }
    return this.json(res, entry.job);
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
    if (reply.cutOff) {
      res.end();
      return;
    }
    if (reply.streamError !== undefined) {
      res.write(`event: error\ndata: ${JSON.stringify({ error: { message: reply.streamError, type: 'server_error' } })}\n\n`);
      res.end();
      return;
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
