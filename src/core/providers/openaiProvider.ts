import OpenAI, { AzureOpenAI } from 'openai';
import type { ChatEvent, ChatProvider, ChatRequest, Remedies } from './chatProvider';
import { GENERIC_REMEDIES, ProviderError } from './chatProvider';
import { formatSeconds } from '../text/duration';
import { redactSecrets } from '../text/redact';

export interface OpenAIProviderOptions {
  apiKey?: string;
  baseURL?: string;
  model: string;
  organization?: string;
  project?: string;
  /** Azure OpenAI: the endpoint is `baseURL`, the model is the deployment. */
  azure?: { deployment: string; apiVersion: string };
  /** How long one HTTP attempt may take; the answer as a whole has its own deadline (`answerQuestion`). */
  timeoutMs?: number;
  /** How messages name what the user can change (a CLI option or a VS Code setting). */
  remedies?: Remedies;
  /** Retries of 408, 409, 429 (honouring retry-after) and 5xx, with backoff. */
  maxRetries?: number;
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Chat completions, streamed, from OpenAI, Azure OpenAI or any OpenAI-compatible server (Ollama, LM Studio, vLLM). */
export class OpenAIProvider implements ChatProvider {
  readonly name: string;
  readonly model: string;
  private readonly client: OpenAI;
  private readonly endpoint: string;

  constructor(private readonly options: OpenAIProviderOptions) {
    const common = {
      apiKey: options.apiKey || 'no-key',
      timeout: options.timeoutMs ?? 60_000,
      maxRetries: options.maxRetries ?? 2,
      fetch: fetchWithinDeadline,
    };
    if (options.azure) {
      this.name = 'azure';
      this.model = options.azure.deployment;
      this.endpoint = options.baseURL ?? '(no Azure endpoint set)';
      this.client = new AzureOpenAI({
        ...common,
        endpoint: options.baseURL,
        deployment: options.azure.deployment,
        apiVersion: options.azure.apiVersion,
      });
    } else {
      this.name = 'openai';
      this.model = options.model;
      this.endpoint = options.baseURL || DEFAULT_BASE_URL;
      this.client = new OpenAI({
        ...common,
        baseURL: options.baseURL || undefined,
        organization: options.organization || null,
        project: options.project || null,
      });
    }
  }

  private get remedies(): Remedies {
    return this.options.remedies ?? GENERIC_REMEDIES;
  }

  async *stream(request: ChatRequest): AsyncIterable<ChatEvent> {
    const startedAt = Date.now();
    let stream;
    try {
      stream = await this.client.chat.completions.create(
        {
          model: this.model,
          messages: request.messages,
          stream: true,
          stream_options: { include_usage: true },
          max_tokens: request.maxTokens,
        },
        // The client waits out a server's retry-after between attempts in a timer no signal stops: the wait is
        // capped by the answer's deadline (see `fetchWithinDeadline`), so a 429 asking for an hour cannot hold it.
        { signal: request.signal, headers: request.deadline ? { [DEADLINE_HEADER]: String(request.deadline) } : undefined },
      );
    } catch (error) {
      throw this.explain(error, startedAt);
    }
    let chunks = 0;
    let finished = false;
    let received = 0;
    try {
      for await (const chunk of stream) {
        chunks++;
        if (!Array.isArray(chunk?.choices)) throw this.notAnApi('a chat completion stream');
        if (chunk.choices[0]?.finish_reason) finished = true;
        const text = chunk.choices[0]?.delta?.content;
        if (text) received += text.length;
        if (text) yield { type: 'text', text };
        if (chunk.usage) yield { type: 'usage', promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      }
    } catch (error) {
      throw this.explain(error, startedAt);
    }
    // The client ends an aborted stream quietly; the caller must still learn that the answer is incomplete.
    if (request.signal?.aborted) throw new ProviderError('cancelled', 'Cancelled.');
    // A 200 that is not a stream (a proxy's HTML login page) parses as no events at all: that is no answer, not an
    // empty one that would read as "not in the docs".
    if (!chunks) throw this.notAnApi('a chat completion stream');
    // A stream that ends without the model saying it finished was cut (the server or the connection went away):
    // what arrived is a fragment, never a complete answer.
    if (!finished)
      throw new ProviderError(
        'cut-off',
        `The answer was cut off: ${this.endpoint} closed the stream before the model finished (${received} characters arrived). What arrived is kept above, marked as partial; ask again to retry.`,
      );
  }

  private notAnApi(expected: string): ProviderError {
    return new ProviderError(
      'bad-response',
      `${this.endpoint} answered, but not with ${expected} (a proxy or login page?). Check that the base URL points at an OpenAI-compatible API.`,
    );
  }

  /** Turns an `openai` client error into one sentence saying what failed and what to do. */
  private explain(error: unknown, startedAt: number): Error {
    if (error instanceof ProviderError) return error;
    if (error instanceof OpenAI.APIUserAbortError || (error as Error)?.name === 'AbortError') {
      return new ProviderError('cancelled', 'Cancelled.');
    }
    if (error instanceof OpenAI.APIConnectionTimeoutError) {
      // The time really waited, retries included, not one attempt's timeout.
      const waited = formatSeconds(Date.now() - startedAt);
      return new ProviderError(
        'timeout',
        `${this.endpoint} did not answer (waited ${waited}). Check ${this.remedies.baseUrl} and the server.`,
      );
    }
    if (error instanceof OpenAI.APIConnectionError) {
      const cause = (error.cause as Error | undefined)?.message;
      return new ProviderError(
        'network',
        `Cannot reach ${this.endpoint}${cause ? ` (${cause})` : ''}. Check ${this.remedies.baseUrl} and the network.`,
      );
    }
    if (error instanceof OpenAI.APIError) {
      const detail = serverMessage(error);
      const status = error.status;
      if (status === 401 || status === 403) {
        return new ProviderError(
          'auth',
          `The API key was rejected by ${this.endpoint} (${status}): ${detail}. To use another key, ${this.remedies.apiKey}.`,
          status,
        );
      }
      if (status === 404) {
        return new ProviderError(
          'model',
          `The model "${this.model}" was not found at ${this.endpoint} (404): ${detail}. Check ${this.remedies.model}.`,
          status,
        );
      }
      if (status === 429) {
        const after = error.headers?.get?.('retry-after');
        return new ProviderError(
          'rate-limit',
          `Rate limited by ${this.endpoint} (429) after retrying: ${detail}.${after ? ` Try again in ${after} s.` : ''}`,
          status,
        );
      }
      if (status !== undefined && status >= 500) {
        return new ProviderError('server', `${this.endpoint} failed (${status}) after retrying: ${detail}.`, status);
      }
      if (error.code === 'context_length_exceeded' || /context length|maximum context|too many tokens/i.test(detail)) {
        return new ProviderError('context-length', `The prompt is longer than the model's context window: ${detail}.`, status);
      }
      // An error event inside a stream has no HTTP status of its own.
      if (status === undefined) return new ProviderError('server', `${this.endpoint} sent an error in the answer stream: ${detail}.`);
      if (status >= 300 && status < 400)
        return new ProviderError(
          'bad-response',
          `${this.endpoint} redirected the request (${status}), as a proxy or login page does: check ${this.remedies.baseUrl}.`,
          status,
        );
      return new ProviderError('bad-request', `${this.endpoint} refused the request (${status}): ${detail}.`, status);
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Longest server message quoted: a proxy's whole error page is not a message. */
const MAX_DETAIL = 300;

function serverMessage(error: InstanceType<typeof OpenAI.APIError>): string {
  const body = error.error as { message?: string } | undefined;
  const raw = (body?.message ?? error.message).replace(/^\d{3}\s+/, '').trim();
  if (/^<!doctype|^<html|<body[\s>]/i.test(raw)) return 'an HTML page, not an API error (a proxy or login page?)';
  // A period the message already ends with is not doubled by the sentence around it.
  const clipped = raw.length > MAX_DETAIL ? `${raw.slice(0, MAX_DETAIL)}…` : raw;
  return redactSecrets(clipped).replace(/[.\s]+$/, '');
}

/** Carries an answer's deadline (epoch ms) from a request to `fetchWithinDeadline`; never sent to the server. */
const DEADLINE_HEADER = 'x-groundwork-deadline';

/**
 * The client's fetch, with one change: a retryable answer (429, 5xx) whose `retry-after` reaches past the request's
 * deadline has it cut to the time left, so the client's wait between attempts ends by the deadline, and the next
 * attempt finds the request aborted.
 */
async function fetchWithinDeadline(url: string | URL | Request, init?: RequestInit): Promise<Response> {
  const headers = new Headers(init?.headers);
  const deadline = Number(headers.get(DEADLINE_HEADER));
  headers.delete(DEADLINE_HEADER);
  const response = await fetch(url, { ...init, headers });
  if (!deadline || (response.status !== 429 && response.status < 500)) return response;
  const leftMs = Math.max(0, deadline - Date.now());
  const asked = retryAfterMs(response.headers);
  if (asked === undefined || asked <= leftMs) return response;
  const capped = new Headers(response.headers);
  capped.set('retry-after-ms', String(leftMs));
  capped.delete('retry-after');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: capped });
}

function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms)) return ms;
  const after = headers.get('retry-after');
  if (!after) return undefined;
  const seconds = Number.parseFloat(after);
  return Number.isFinite(seconds) ? seconds * 1000 : Date.parse(after) - Date.now();
}
