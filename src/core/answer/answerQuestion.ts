import type { ChatProvider, Remedies } from '../providers/chatProvider';
import { GENERIC_REMEDIES, ProviderError } from '../providers/chatProvider';
import { SETTING_DEFAULTS } from '../settings';
import { formatSeconds } from '../text/duration';
import { countTokens } from '../tokens';
import { CitationStream } from './citations';
import { estimateCostUsd } from './cost';
import { alignEvidence, type Evidence, type PassageLines, passageLinesFromText, passageLinesInFile } from './evidence';
import { offlineExtract } from './offlineExtract';
import { matchedWords } from '../retrieval/matchedWords';
import { DEFAULT_ABSTAIN_THRESHOLD, judge, type Judgement } from '../retrieval/judgement';
import { redactPassages, secretsOfFile } from '../secrets/redactSecrets';
import { toSource } from './budget';
import { buildPrompt, type ChatMessage, NOT_COVERED } from './prompt';
import { checkRestyle, restyleMessages } from './restyleCheck';
import { reviewWeakCitations } from './citationReview';
import type { Answer, ChatTurn, RetrievedResult, Source } from './types';
import { judgeAnswer } from './verdict';
import {
  DEFAULT_RERANK_CANDIDATES,
  DEFAULT_RERANK_TIMEOUT_MS,
  type Reranker,
  type RerankUsage,
  rerankNote,
  rerankResults,
} from '../rerank/reranker';

export interface AnswerRequest {
  question: string;
  /** What to search for, when it differs from the question shown to the model (Explain Selection). */
  searchQuery?: string;
  history?: ChatTurn[];
  /** Ranked passages for a query, best first. */
  search: (query: string, k: number) => Promise<RetrievedResult[]>;
  /** How many files the index holds (for "searched N files"). */
  searchedFiles: number;
  /** No provider: the offline extract. */
  provider?: ChatProvider;
  /** The team's fine-tuned model: it answers itself (`answer`), or rewrites the base model's draft (`restyle`). */
  style?: { provider: ChatProvider; mode: 'answer' | 'restyle' };
  contextWindow?: number;
  /** Most tokens of sources per question (the setting `answer.sourceBudgetTokens`). */
  sourceBudgetTokens?: number;
  /** Below this coverage of the question by the best passage, abstain instead of asking the model. */
  abstainThreshold?: number;
  /** Reorders the best passages before the prompt is built (off when absent): see `rerankResults`. */
  rerank?: { reranker: Reranker; candidates?: number; timeoutMs?: number };
  /** Ask the model even when retrieval is weak. */
  answerAnyway?: boolean;
  /** Replace secret-shaped strings in passages before any leaves the machine (default true; see `redactPassages`). */
  redactSecrets?: boolean;
  /** Set from `timeoutMs` when answering starts: when the whole answer must be done (epoch ms). */
  deadline?: number;
  signal?: AbortSignal;
  /**
   * The whole answer (search, the model, a restyle) must be done within this; then the request is aborted and the
   * answer fails with a timeout that says how long it waited. Default: the `answer.timeoutSeconds` setting's.
   */
  timeoutMs?: number;
  /** How messages name what the user can change where they are (CLI options or VS Code settings). */
  remedies?: Remedies;
  /** Streamed answer text, citations already checked. */
  onDelta?: (text: string) => void;
  /** Called when the answer shown so far is replaced as a whole (a restyled answer). */
  onReplace?: (text: string) => void;
  /** Called once the request to the model is about to be sent: retrieval and prompt assembly are done. */
  onRequestReady?: () => void;
  /** A cited file's lines as they are now, to find each claim's supporting lines in (the passage text otherwise). */
  readFileLines?: (source: Pick<Source, 'path' | 'root'>) => Promise<string[] | undefined>;
  /** The numbered sources the answer's `[n]` markers refer to, given before any text that cites them. */
  onSources?: (sources: Source[]) => void;
}

/** Calibrated on the eval sets: see BENCHMARKS.md, "Abstain threshold". */
export { DEFAULT_ABSTAIN_THRESHOLD };
const RETRIEVE_K = 24;
const NEAREST_SHOWN = 3;

/**
 * Retrieve, decide whether the docs cover the question, assemble the prompt within budget, stream the model's
 * answer through the citation check, then judge it. Every path returns the sources it used, even when empty.
 * One deadline covers it all, whatever the provider's own timeouts and retries add up to.
 */
export async function answerQuestion(request: AnswerRequest): Promise<Answer> {
  const limitMs = request.timeoutMs ?? SETTING_DEFAULTS['answer.timeoutSeconds'] * 1000;
  const remedies = request.remedies ?? GENERIC_REMEDIES;
  const startedAt = Date.now();
  const deadline = new AbortController();
  const signal = request.signal ? AbortSignal.any([request.signal, deadline.signal]) : deadline.signal;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Raced, not only signalled: a provider or embedder that ignores the abort must not hold the answer past it.
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      deadline.abort();
      reject(
        new ProviderError(
          'timeout',
          `No complete answer after ${formatSeconds(Date.now() - startedAt)} (the limit is ${formatSeconds(limitMs)}). ` +
            `Raise ${remedies.timeout} to wait longer, or check ${remedies.baseUrl} and the server.`,
        ),
      );
    }, limitMs);
  });
  const answering = answerWithin({ ...request, signal, deadline: startedAt + limitMs });
  answering.catch(() => undefined); // after the deadline, its own failure (an abort) is of no interest
  try {
    return await Promise.race([answering, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function answerWithin(request: AnswerRequest): Promise<Answer> {
  const answer = await compose(request);
  if (answer.citations.length) answer.evidence = await evidenceOf(answer, request.readFileLines);
  if (request.rerank && answer.provider !== 'offline') {
    const review = await reviewWeakCitations(answer, request.rerank.reranker, {
      signal: request.signal,
      timeoutMs: request.rerank.timeoutMs ?? DEFAULT_RERANK_TIMEOUT_MS,
      redactSecrets: request.redactSecrets,
    });
    if (review.usage) addUsage(answer, usageOf(review.usage.model, review.usage.promptTokens, review.usage.completionTokens));
  }
  countUnsupported(answer);
  return answer;
}

/** A citation whose source does not say its sentence makes a grounded answer partly grounded, and says which. */
function countUnsupported(answer: Answer): void {
  const unsupported = (answer.evidence ?? []).filter((e) => e.grade === 'unsupported');
  if (!unsupported.length) return;
  if (answer.verdict === 'grounded') answer.verdict = 'partly-grounded';
  const which = unsupported.map((e) => `[${e.n}]${e.betterSource ? ` ([${e.betterSource}] says this)` : ''}`).join(', ');
  answer.notes.push(
    `${unsupported.length} citation${unsupported.length === 1 ? ' does' : 's do'} not support ${unsupported.length === 1 ? 'its sentence' : 'their sentences'}: ${which}.`,
  );
}

/** Each citation's supporting lines, found in the cited files as they are now (or in the passage text without them). */
async function evidenceOf(answer: Answer, readFileLines: AnswerRequest['readFileLines']): Promise<Evidence[]> {
  const lines = new Map<number, PassageLines>();
  for (const source of answer.sources) {
    if (!answer.citations.includes(source.n)) continue;
    const file = await readFileLines?.(source).catch(() => undefined);
    const inFile = file ? passageLinesInFile(source, file) : [];
    lines.set(source.n, inFile.length ? inFile : passageLinesFromText(source));
  }
  return alignEvidence(answer.answer, answer.sources, (source) => lines.get(source.n) ?? []);
}

/** What each way of answering shares: the request, the query searched, and the answer's common fields. */
interface Composing {
  request: AnswerRequest;
  query: string;
  base: Pick<Answer, 'citations' | 'removedCitations' | 'usage' | 'notes' | 'searchedFiles'>;
  /** Each source says which of the question's words it holds: the reader sees why it was used. */
  explained: (sources: Source[]) => Source[];
  nearest: () => Source[];
}

async function compose(request: AnswerRequest): Promise<Answer> {
  const query = request.searchQuery ?? request.question;
  let results = await request.search(query, RETRIEVE_K);
  // The same judgement every surface gives (the agents' tools, `search --json`): decided in one place.
  // Explain Selection searches with code, whose words are mostly syntax: its bar is the coverage alone.
  const judgement = judge(
    results,
    undefined,
    request.abstainThreshold ?? DEFAULT_ABSTAIN_THRESHOLD,
    request.searchQuery ? 'coverage' : 'judgement',
  );
  const explained = (sources: Source[]) => {
    for (const source of sources) source.matches = matchedWords(query, source);
    return sources;
  };
  const composing: Composing = {
    request,
    query,
    base: {
      citations: [],
      removedCitations: [],
      usage: { promptTokens: 0, completionTokens: 0 },
      notes: [],
      searchedFiles: request.searchedFiles,
    },
    explained,
    nearest: () => explained(toSources(results.slice(0, NEAREST_SHOWN))),
  };
  if (!judgement.covered && !request.answerAnyway) return abstain(composing, results.length > 0, judgement);
  const answering = request.style?.mode === 'answer' ? request.style.provider : request.provider;
  const sent = await prepareToSend(composing, results, Boolean(answering));
  results = sent.results;
  return answering ? answerWithModel(composing, answering, results, sent.rerankUsage) : answerOffline(composing, results);
}

/** The docs don't cover the question: no model is asked; the closest sections are listed. */
function abstain({ request, base, nearest }: Composing, found: boolean, judgement: Judgement): Answer {
  const answer = found
    ? `${NOT_COVERED} The closest sections are listed below; ask again with "answer anyway" to let the model try.`
    : `${NOT_COVERED} Searched ${request.searchedFiles} files and found nothing relevant.`;
  request.onDelta?.(answer);
  return {
    ...base,
    answer,
    verdict: 'not-in-docs',
    sources: [],
    nearest: nearest(),
    provider: request.provider?.name ?? 'offline',
    model: request.provider?.model,
    notes: [`Retrieval was weak (${judgement.reason ?? `best coverage ${judgement.coverage.toFixed(2)}`}), so no model was asked.`],
  };
}

/**
 * Passages sent to a reranker or a model leave the machine: secrets in them are redacted first, and the answer says
 * so. Then the optional rerank (after abstaining, which does not depend on order: a question the docs don't cover
 * costs no rerank).
 */
async function prepareToSend(
  { request, query, base }: Composing,
  results: RetrievedResult[],
  answeringWithModel: boolean,
): Promise<{ results: RetrievedResult[]; rerankUsage?: RerankUsage }> {
  if (request.redactSecrets !== false && (request.rerank || answeringWithModel)) {
    // A secret split over two passages is found in its whole file, where secretlint can recognise it.
    const read = request.readFileLines;
    const fileSecrets =
      read &&
      (async (path: string) => {
        const lines = await read(results.find((r) => r.path === path) ?? { path });
        return lines ? secretsOfFile(lines.join('\n')) : undefined;
      });
    const redacted = await redactPassages(results, fileSecrets);
    results = redacted.passages;
    if (redacted.note) base.notes.push(redacted.note);
  }
  if (!request.rerank) return { results };
  const reranked = await rerankResults(query, results, request.rerank.reranker, {
    candidates: request.rerank.candidates ?? DEFAULT_RERANK_CANDIDATES,
    timeoutMs: request.rerank.timeoutMs ?? DEFAULT_RERANK_TIMEOUT_MS,
    signal: request.signal,
  });
  if (reranked.problem) base.notes.push(rerankNote(reranked.problem));
  return { results: reranked.results, rerankUsage: reranked.usage };
}

/** No model: the sentences of the sources that answer the question, quoted with their citations. */
function answerOffline({ request, base, explained, nearest }: Composing, results: RetrievedResult[]): Answer {
  const prompt = buildPrompt({
    question: request.question,
    history: [],
    results,
    contextWindow: SETTING_DEFAULTS['model.contextWindowTokens'],
    sourceBudgetTokens: request.sourceBudgetTokens ?? SETTING_DEFAULTS['answer.sourceBudgetTokens'],
  });
  explained(prompt.sources);
  const text = offlineExtract(request.question, prompt.sources);
  const cited = prompt.sources.filter((s) => text.includes(`[${s.n}]`));
  const answer = text || `${NOT_COVERED} No sentence in the closest sections matches the question.`;
  if (text) request.onSources?.(prompt.sources);
  request.onDelta?.(answer);
  return {
    ...base,
    answer,
    verdict: text ? 'offline-extract' : 'not-in-docs',
    sources: prompt.sources,
    citations: cited.map((s) => s.n),
    nearest: text ? undefined : nearest(),
    provider: 'offline',
  };
}

/** The model answers from the budgeted sources; one retry with half of them when the prompt was over its window. */
async function answerWithModel(
  { request, base, explained, nearest }: Composing,
  answering: ChatProvider,
  results: RetrievedResult[],
  rerankUsage: RerankUsage | undefined,
): Promise<Answer> {
  const contextWindow = request.contextWindow ?? SETTING_DEFAULTS['model.contextWindowTokens'];
  const sourceBudgetTokens = request.sourceBudgetTokens ?? SETTING_DEFAULTS['answer.sourceBudgetTokens'];
  let maxSources: number | undefined;
  let attempt = 0;
  for (;;) {
    const prompt = buildPrompt({
      question: request.question,
      history: request.history ?? [],
      results,
      contextWindow,
      sourceBudgetTokens,
      maxSources,
    });
    request.onRequestReady?.();
    request.onSources?.(explained(prompt.sources));
    let streamed = '';
    try {
      const draft = await streamAnswer(answering, prompt.messages, prompt.maxAnswerTokens, prompt.sources, request, (text) => {
        streamed += text;
        request.onDelta?.(text);
      });
      const answer: Answer = {
        ...base,
        answer: draft.text,
        verdict: judgeAnswer(draft.text).verdict,
        sources: prompt.sources,
        citations: draft.cited,
        removedCitations: draft.removed,
        provider: answering.name,
        model: answering.model,
        usage: usageOf(answering.model, draft.promptTokens ?? prompt.promptTokens, draft.completionTokens ?? countTokens(draft.text)),
        notes: [...base.notes, ...(attempt ? ['The first request was over the context window; answered with fewer sources.'] : [])],
      };
      if (rerankUsage) addUsage(answer, usageOf(rerankUsage.model, rerankUsage.promptTokens, rerankUsage.completionTokens));
      if (answer.verdict === 'not-in-docs') answer.nearest = nearest();
      if (draft.removed.length)
        answer.notes.push(
          `Removed citation${draft.removed.length > 1 ? 's' : ''} ${draft.removed.map((n) => `[${n}]`).join('')}: no such source.`,
        );
      if (request.style?.mode === 'answer') answer.styleModel = request.style.provider.model;
      if (request.style?.mode === 'restyle' && answer.verdict !== 'not-in-docs') await restyle(answer, request.style.provider, request);
      return answer;
    } catch (error) {
      // One retry with half the sources when the prompt was over the model's real context window.
      if (error instanceof ProviderError && error.kind === 'context-length' && attempt === 0 && !streamed) {
        attempt++;
        maxSources = Math.max(1, Math.floor(prompt.sources.length / 2));
        continue;
      }
      throw error;
    }
  }
}

interface Draft {
  text: string;
  cited: number[];
  removed: number[];
  promptTokens?: number;
  completionTokens?: number;
}

async function streamAnswer(
  provider: ChatProvider,
  messages: ChatMessage[],
  maxTokens: number,
  sources: Source[],
  request: AnswerRequest,
  emit: (text: string) => void,
): Promise<Draft> {
  const filter = new CitationStream(new Set(sources.map((s) => s.n)));
  let promptTokens: number | undefined;
  let completionTokens: number | undefined;
  for await (const event of provider.stream({ messages, maxTokens, signal: request.signal, deadline: request.deadline })) {
    if (event.type === 'usage') {
      promptTokens = event.promptTokens;
      completionTokens = event.completionTokens;
      continue;
    }
    const shown = filter.push(event.text);
    if (shown) emit(shown);
  }
  const rest = filter.end();
  if (rest) emit(rest);
  return { text: filter.text.trim(), cited: filter.cited, removed: filter.removed, promptTokens, completionTokens };
}

/** Rewrites tone and format with the style model; keeps the draft when the rewrite is not faithful. */
async function restyle(answer: Answer, style: ChatProvider, request: AnswerRequest): Promise<void> {
  const messages = restyleMessages(answer.answer);
  let rewrite = '';
  let usage: { promptTokens: number; completionTokens: number } | undefined;
  for await (const event of style.stream({
    messages,
    maxTokens: Math.max(256, countTokens(answer.answer) * 2),
    signal: request.signal,
    deadline: request.deadline,
  })) {
    if (event.type === 'text') rewrite += event.text;
    else usage = event;
  }
  rewrite = rewrite.trim();
  addUsage(
    answer,
    usageOf(style.model, usage?.promptTokens ?? countTokens(answer.answer) + 80, usage?.completionTokens ?? countTokens(rewrite)),
  );
  answer.styleModel = style.model;
  const check = checkRestyle(answer.answer, rewrite, answer.sources);
  if (!check.ok || !rewrite) {
    answer.notes.push(`Showing the draft: the house-style rewrite was rejected (${rewrite ? check.problems.join('; ') : 'it was empty'}).`);
    return;
  }
  answer.answer = rewrite;
  answer.verdict = judgeAnswer(rewrite).verdict;
  request.onReplace?.(rewrite);
}

/** Adds a second request's tokens and cost (a rerank, a restyle) to the answer's. */
function addUsage(answer: Answer, more: Answer['usage']): void {
  answer.usage = {
    promptTokens: answer.usage.promptTokens + more.promptTokens,
    completionTokens: answer.usage.completionTokens + more.completionTokens,
    estimatedCostUsd:
      answer.usage.estimatedCostUsd !== undefined && more.estimatedCostUsd !== undefined
        ? answer.usage.estimatedCostUsd + more.estimatedCostUsd
        : undefined,
  };
}

function usageOf(model: string, promptTokens: number, completionTokens: number) {
  return { promptTokens, completionTokens, estimatedCostUsd: estimateCostUsd(model, promptTokens, completionTokens) };
}

function toSources(results: RetrievedResult[]): Source[] {
  return results.map((r, i) => toSource(r, i + 1));
}
