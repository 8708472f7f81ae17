import { redactDocSecrets } from '../secrets/redactSecrets';
import { redactSecrets } from '../text/redact';

/** Relevance scores for passages, from a model or a rerank endpoint. */
export interface Reranker {
  /** Shown in notes and the CLI: `model gpt-4o-mini`, `endpoint http://127.0.0.1:8080/rerank`. */
  readonly name: string;
  /** One score per passage, in the passages' order; higher is more relevant. */
  score(query: string, passages: string[], signal: AbortSignal): Promise<RerankScores>;
  /**
   * Whether each cited passage says its sentence: asked only for the citations the wording alone could not settle
   * (graded weak), all of them at once. One verdict per question, in order.
   */
  checkSupport?(questions: SupportQuestion[], signal: AbortSignal): Promise<SupportVerdicts>;
}

/** A sentence of an answer, the passages sent with the question, and which of them it cites. */
export interface SupportQuestion {
  sentence: string;
  passages: string[];
  cited: number;
}

export interface SupportVerdicts {
  supported: boolean[];
  usage?: RerankUsage;
  /** How many requests it took (a chat model: one for all; a rerank endpoint: one a sentence). */
  requests: number;
}

export interface RerankScores {
  scores: number[];
  /** Tokens a chat model spent scoring (an endpoint reports none). */
  usage?: RerankUsage;
}

export interface RerankUsage {
  model: string;
  promptTokens: number;
  completionTokens: number;
}

export interface RerankOptions {
  /** How many of the best results are scored; the rest keep their place after them. */
  candidates: number;
  signal?: AbortSignal;
  /** The reranker gets this long; then the search order is kept. */
  timeoutMs: number;
  /** Redact secret-shaped strings before the passages are sent (default true). */
  redactSecrets?: boolean;
}

export interface Reranked<T> {
  results: T[];
  /** Set when the reranker failed or timed out: the search order was kept, and this says why. */
  problem?: string;
  elapsedMs: number;
  usage?: RerankScores['usage'];
}

export const DEFAULT_RERANK_CANDIDATES = 20;
export const DEFAULT_RERANK_TIMEOUT_MS = 10_000;

/**
 * Reorders the top candidates by the reranker's scores (ties keep the search order). A reranker is an
 * improvement, never a dependency: when it fails, times out or answers nonsense, the search order stands and
 * the caller gets the reason to show. Cancellation by the caller is not a failure: it propagates.
 */
export async function rerankResults<T extends { text: string; headingPath: string[] }>(
  query: string,
  results: T[],
  reranker: Reranker,
  options: RerankOptions,
): Promise<Reranked<T>> {
  const started = performance.now();
  const head = results.slice(0, Math.max(0, options.candidates));
  if (head.length < 2) return { results, elapsedMs: 0 };
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const elapsed = () => performance.now() - started;
  try {
    // The passages leave the machine: the reranker reads them with secret-shaped strings redacted.
    const texts = await Promise.all(
      head.map(async (result) =>
        options.redactSecrets === false ? passageText(result) : (await redactDocSecrets(passageText(result))).text,
      ),
    );
    const { scores, usage } = await reranker.score(query, texts, signal);
    if (scores.length !== head.length || scores.some((s) => typeof s !== 'number' || !Number.isFinite(s)))
      return { results, elapsedMs: elapsed(), usage, problem: `${reranker.name} scored ${scores.length} of ${head.length} passages` };
    const order = head.map((result, i) => ({ result, i, score: scores[i] })).sort((a, b) => b.score - a.score || a.i - b.i);
    return { results: [...order.map((o) => o.result), ...results.slice(head.length)], elapsedMs: elapsed(), usage };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const reason = timeout.aborted
      ? `no scores after ${(options.timeoutMs / 1000).toFixed(options.timeoutMs % 1000 ? 1 : 0)} s`
      : redactSecrets((error as Error).message);
    const usage = (error as { usage?: RerankUsage }).usage;
    return { results, elapsedMs: elapsed(), usage, problem: `${reranker.name} failed (${reason})` };
  }
}

/** What a reranker reads of a passage: its heading path, then its text, cut to a length a scorer reads quickly. */
export function passageText(result: { text: string; headingPath: string[] }, maxChars = 1500): string {
  const heading = result.headingPath.join(' > ');
  const text = heading ? `${heading}\n${result.text}` : result.text;
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

/** The note an answer carries when the reranker was configured but the search order was kept. */
export function rerankNote(problem: string): string {
  return `Reranking was skipped: ${problem}; the passages are in search order.`;
}
