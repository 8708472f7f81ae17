import { markersIn } from '../../shared/citationMarkers';
import { estimateCostUsd } from '../answer/cost';
import { checkRestyle, restyleMessages } from '../answer/restyleCheck';
import type { ChatProvider } from '../providers/chatProvider';
import { countTokens } from '../tokens';
import { chrF } from './chrF';
import type { TrainingExample } from './dataset';

/** A way to turn a draft into the answer shown: a style model, the base model, or no restyle at all. */
export interface StyleCandidate {
  label: string;
  /** Undefined: the draft is shown as it is. */
  provider?: ChatProvider;
}

export interface CandidateResult {
  label: string;
  model?: string;
  examples: number;
  /** Share of rewrites that pass the citation lock (no marker lost, added or renumbered; no new numbers, code, links). */
  passRate: number;
  /** Share of the drafts' citation markers still in the rewrites. */
  markersKept: number;
  /** Mean length of the rewrite over the approved text's. */
  lengthRatio: number;
  /** Mean chrF of the rewrite against the approved text (0-100). */
  chrF: number;
  meanLatencyMs: number;
  /** Per answer; undefined when the model's price is unknown (a fine-tuned model's usually is). */
  costUsdPerAnswer?: number;
  /** Examples whose rewrite failed the lock, with why (the first few). */
  failures: Array<{ example: number; problems: string[] }>;
}

/**
 * Runs each candidate on the validation examples' drafts, side by side in one run, and scores the rewrites against
 * the approved texts. A style model is worth using only if it keeps the facts: the pass rate says how often.
 */
export async function evaluateStyle(
  examples: TrainingExample[],
  candidates: StyleCandidate[],
  signal?: AbortSignal,
): Promise<CandidateResult[]> {
  const pairs = examples.map((e) => ({
    draft: e.messages.find((m) => m.role === 'user')?.content ?? '',
    approved: e.messages.find((m) => m.role === 'assistant')?.content ?? '',
  }));
  const results: CandidateResult[] = [];
  for (const candidate of candidates) {
    let passed = 0;
    let markersTotal = 0;
    let markersKept = 0;
    let ratio = 0;
    let similarity = 0;
    let latency = 0;
    let cost: number | undefined = 0;
    const failures: CandidateResult['failures'] = [];
    for (const [i, { draft, approved }] of pairs.entries()) {
      const started = performance.now();
      let rewrite = draft;
      let usage: { promptTokens: number; completionTokens: number } | undefined;
      if (candidate.provider) {
        rewrite = '';
        const messages = restyleMessages(draft);
        for await (const event of candidate.provider.stream({ messages, maxTokens: Math.max(256, countTokens(draft) * 2), signal })) {
          if (event.type === 'text') rewrite += event.text;
          else usage = event;
        }
        rewrite = rewrite.trim();
        const promptTokens = usage?.promptTokens ?? messages.reduce((n, m) => n + countTokens(m.content), 0);
        const answerCost = estimateCostUsd(candidate.provider.model, promptTokens, usage?.completionTokens ?? countTokens(rewrite));
        cost = cost === undefined || answerCost === undefined ? undefined : cost + answerCost;
      }
      latency += performance.now() - started;
      const check = checkRestyle(draft, rewrite);
      if (check.ok && rewrite) passed++;
      else if (failures.length < 5) failures.push({ example: i + 1, problems: rewrite ? check.problems : ['empty rewrite'] });
      const wanted = new Set(markersIn(draft).map((m) => m.n));
      const got = new Set(markersIn(rewrite).map((m) => m.n));
      markersTotal += wanted.size;
      for (const n of wanted) if (got.has(n)) markersKept++;
      ratio += rewrite.length / Math.max(1, approved.length);
      similarity += chrF(rewrite, approved);
    }
    const n = Math.max(1, pairs.length);
    results.push({
      label: candidate.label,
      model: candidate.provider?.model,
      examples: pairs.length,
      passRate: passed / n,
      markersKept: markersTotal ? markersKept / markersTotal : 1,
      lengthRatio: ratio / n,
      chrF: similarity / n,
      meanLatencyMs: latency / n,
      costUsdPerAnswer: candidate.provider ? (cost === undefined ? undefined : cost / n) : 0,
      failures,
    });
  }
  return results;
}
