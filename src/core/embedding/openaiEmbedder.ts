import { redactDocSecrets } from '../secrets/redactSecrets';
import OpenAI from 'openai';
import { redactSecrets } from '../text/redact';
import { countTokens, decodeTokens, encodeTokens } from '../tokens';
import { type Embedder, normalize } from './embedder';

export interface OpenAIEmbedderOptions {
  baseURL?: string;
  apiKey?: string;
  model: string;
  dimensions?: number;
  /** Retries on 408, 409, 429 (honouring retry-after) and 5xx, with exponential backoff. */
  maxRetries?: number;
  timeoutMs?: number;
  /** Redact secret-shaped strings before they are sent (default true). */
  redactSecrets?: boolean;
}

// The embeddings API takes at most 2,048 inputs and 300,000 tokens per request, and 8,192 tokens per input.
const MAX_INPUTS_PER_REQUEST = 2048;
const MAX_TOKENS_PER_REQUEST = 250_000;
const MAX_TOKENS_PER_INPUT = 8000;

/** Embeddings from any OpenAI-compatible endpoint (OpenAI, Azure OpenAI, Ollama, LM Studio, vLLM). */
export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly client: OpenAI;
  private readonly endpoint: string;

  constructor(private readonly options: OpenAIEmbedderOptions & { dimensions: number }) {
    this.dimensions = options.dimensions;
    this.endpoint = options.baseURL ?? 'https://api.openai.com/v1';
    this.id = `openai:${this.endpoint}:${options.model}:${options.dimensions}`;
    this.client = new OpenAI({
      apiKey: options.apiKey || 'no-key',
      baseURL: options.baseURL,
      maxRetries: options.maxRetries ?? 4,
      timeout: options.timeoutMs ?? 60_000,
    });
  }

  async embed(input: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    // Doc text sent to an endpoint leaves the machine: secret-shaped strings are redacted first (the local index
    // keeps them; only the vector is computed from the redacted text).
    const texts =
      this.options.redactSecrets === false ? input : await Promise.all(input.map(async (text) => (await redactDocSecrets(text)).text));
    const vectors: Float32Array[] = [];
    for (const batch of batchByLimits(texts)) {
      signal?.throwIfAborted();
      let response;
      try {
        response = await this.client.embeddings.create(
          { model: this.options.model, input: batch, dimensions: this.options.dimensions, encoding_format: 'float' },
          { signal },
        );
      } catch (error) {
        if ((error as Error)?.name === 'AbortError' || signal?.aborted) throw error;
        throw new Error(`the embeddings endpoint ${this.endpoint} failed: ${redactSecrets((error as Error).message)}`);
      }
      if (!Array.isArray(response?.data) || response.data.some((item) => !Array.isArray(item?.embedding)))
        throw new Error(
          `the embeddings endpoint ${this.endpoint} answered, but not with embeddings (a proxy or login page?); check its base URL`,
        );
      const ordered = [...response.data].sort((a, b) => a.index - b.index);
      if (ordered.length !== batch.length)
        throw new Error(`the embeddings endpoint returned ${ordered.length} vectors for ${batch.length} inputs`);
      for (const item of ordered) {
        if (item.embedding.length !== this.dimensions) {
          throw new Error(`the embedding model returned ${item.embedding.length} dimensions, the index expects ${this.dimensions}`);
        }
        vectors.push(normalize(Float32Array.from(item.embedding)));
      }
    }
    return vectors;
  }
}

/** Groups inputs into requests within the API's count and token limits, truncating any single over-long input. */
export function batchByLimits(texts: string[], maxInputs = MAX_INPUTS_PER_REQUEST, maxTokens = MAX_TOKENS_PER_REQUEST): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let tokens = 0;
  for (const raw of texts) {
    let text = raw.length ? raw : ' ';
    // Counted first (remembered pieces, long runs in slices); only an over-long input is encoded, to be cut.
    let count = countTokens(text);
    if (count > MAX_TOKENS_PER_INPUT) {
      text = decodeTokens(encodeTokens(text).slice(0, MAX_TOKENS_PER_INPUT));
      count = MAX_TOKENS_PER_INPUT;
    }
    if (current.length && (current.length >= maxInputs || tokens + count > maxTokens)) {
      batches.push(current);
      current = [];
      tokens = 0;
    }
    current.push(text);
    tokens += count;
  }
  if (current.length) batches.push(current);
  return batches;
}
