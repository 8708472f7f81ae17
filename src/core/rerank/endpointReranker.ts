import { redactSecrets } from '../text/redact';
import type { Reranker, RerankScores, SupportQuestion, SupportVerdicts } from './reranker';

export interface EndpointRerankerOptions {
  /** The rerank URL; a base URL without `/rerank` at its end gets it appended. */
  url: string;
  /** Sent as `model` (servers that host one model ignore it). */
  model?: string;
  /** Sent as a bearer token: only ever the key of the same server (see `keyFor`). */
  apiKey?: string;
}

/**
 * A `/rerank` endpoint as common inference servers serve it (Text Embeddings Inference, vLLM, Infinity, Jina,
 * Cohere-compatible): the query and the passages in, a relevance score per passage index out.
 */
export class EndpointReranker implements Reranker {
  readonly name: string;
  private readonly url: string;

  constructor(private readonly options: EndpointRerankerOptions) {
    this.url = rerankUrl(options.url);
    this.name = `endpoint ${this.url}`;
  }

  /** Text Embeddings Inference names the passages `texts`; the others `documents`. Learned from the first reply. */
  private passagesField: 'documents' | 'texts' = 'documents';

  async score(query: string, passages: string[], signal: AbortSignal): Promise<RerankScores> {
    let response = await this.post(query, passages, signal);
    if (response.status === 422 || response.status === 400) {
      const body = await response.text();
      if (this.passagesField === 'documents' && /\btexts\b/.test(body)) {
        this.passagesField = 'texts';
        response = await this.post(query, passages, signal);
      } else throw new Error(`HTTP ${response.status}: ${redactSecrets(body.slice(0, 200))}`);
    }
    const body = await response.text();
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${redactSecrets(body.slice(0, 200))}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new Error('the reply is not JSON');
    }
    return { scores: scoresByIndex(parsed, passages.length) };
  }

  /**
   * A rerank endpoint scores relevance, not entailment, and on a scale of its own: a citation counts as supported
   * when its passage is the one the endpoint ranks first for the sentence among all the passages sent. Rerank APIs
   * take one query a request, so this is one request a sentence.
   */
  async checkSupport(questions: SupportQuestion[], signal: AbortSignal): Promise<SupportVerdicts> {
    const supported: boolean[] = [];
    for (const question of questions) {
      const { scores } = await this.score(question.sentence, question.passages, signal);
      supported.push(scores[question.cited] >= Math.max(...scores));
    }
    return { supported, requests: questions.length };
  }

  private post(query: string, passages: string[], signal: AbortSignal): Promise<Response> {
    return fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
      },
      body: JSON.stringify({
        ...(this.options.model ? { model: this.options.model } : {}),
        query,
        [this.passagesField]: passages,
        ...(this.passagesField === 'documents' ? { top_n: passages.length, return_documents: false } : {}),
      }),
      signal,
    });
  }
}

/** `{results: [{index, relevance_score}]}` (Cohere, Jina, vLLM, Infinity) or `[{index, score}]` (TEI), by index. */
export function scoresByIndex(reply: unknown, count: number): number[] {
  const entries = Array.isArray(reply) ? reply : (reply as { results?: unknown })?.results;
  if (!Array.isArray(entries)) throw new Error('the reply has no results');
  const scores = new Array<number>(count).fill(Number.NaN);
  for (const entry of entries as Array<{ index?: unknown; relevance_score?: unknown; score?: unknown }>) {
    const score = entry?.relevance_score ?? entry?.score;
    if (Number.isInteger(entry?.index) && (entry.index as number) >= 0 && (entry.index as number) < count && typeof score === 'number')
      scores[entry.index as number] = score;
  }
  // A server that returned fewer than asked: the unscored ones go last, in search order.
  const lowest = Math.min(...scores.filter(Number.isFinite));
  if (!Number.isFinite(lowest)) throw new Error('the reply scored no passage');
  return scores.map((s) => (Number.isFinite(s) ? s : lowest - 1));
}

export function rerankUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/rerank$/.test(trimmed) ? trimmed : `${trimmed}/rerank`;
}

/**
 * The model API key goes to a rerank endpoint only on the same origin as the model's base URL (one server
 * serving both): a key is never sent to a host the user configured for something else.
 */
export function keyFor(rerankEndpoint: string, modelBaseUrl: string | undefined, apiKey: string | undefined): string | undefined {
  if (!apiKey || !modelBaseUrl) return undefined;
  try {
    return new URL(rerankEndpoint).origin === new URL(modelBaseUrl).origin ? apiKey : undefined;
  } catch {
    return undefined;
  }
}
