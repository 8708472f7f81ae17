import { fenced } from '../text/fence';
import { plainInlineText } from '../text/docMarkup';
import { countTokens } from '../tokens';
import type { ChatTurn, RetrievedResult, Source } from './types';

export interface BudgetPlan {
  /** Tokens for the model's answer. */
  answer: number;
  /** Tokens for prior turns of the conversation. */
  history: number;
  /** Tokens for the numbered sources. */
  sources: number;
}

/** Tokens the chat format adds per message (role markers and separators). */
export const MESSAGE_OVERHEAD_TOKENS = 4;

/**
 * Splits a context window: the instructions and the question are fixed; the answer gets a reserve; sources get
 * at most `sourceBudgetTokens`; history gets what remains, up to a quarter of the window.
 */
export function planBudget(contextWindow: number, fixedTokens: number, sourceBudgetTokens: number): BudgetPlan {
  const answer = Math.min(4096, Math.floor(contextWindow / 4));
  const free = Math.max(0, contextWindow - fixedTokens - answer);
  const sources = Math.min(sourceBudgetTokens, Math.floor(free * 0.75));
  const history = Math.min(Math.floor(contextWindow / 4), free - sources);
  return { answer, history: Math.max(0, history), sources: Math.max(0, sources) };
}

/** How a source is shown to the model: numbered, located, fenced as data. */
export function renderSource(source: Source): string {
  // A passage that contains our closing tag must not be able to end its fence early.
  const attrs = `n="${source.n}" path="${escapeAttr(source.path)}" lines="${source.startLine}-${source.endLine}" heading="${escapeAttr(source.heading)}"`;
  return fenced('source', source.text, attrs);
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/\n/g, ' ');
}

/** A retrieved passage as source number `n`. */
export function toSource(result: RetrievedResult, n: number): Source {
  return {
    n,
    path: result.path,
    startLine: result.startLine,
    endLine: result.endLine,
    heading: result.headingPath.map(plainInlineText).join(' > '),
    text: result.text,
    ...(result.root ? { root: result.root } : {}),
    ...(result.folder ? { folder: result.folder } : {}),
  };
}

/** The best results, numbered from 1, while their rendered form fits in `budget` tokens. Overlapping passages are dropped. */
export function selectSources(results: RetrievedResult[], budget: number): Source[] {
  const sources: Source[] = [];
  let used = 0;
  for (const result of results) {
    const overlaps = sources.some(
      (s) => s.path === result.path && s.root === result.root && s.startLine <= result.endLine && result.startLine <= s.endLine,
    );
    if (overlaps) continue;
    const source = toSource(result, sources.length + 1);
    const cost = countTokens(renderSource(source)) + 1;
    if (used + cost > budget) continue;
    sources.push(source);
    used += cost;
  }
  return sources;
}

/** The most recent turns that fit in `budget` tokens, oldest first; a turn is kept whole or not at all. */
export function selectHistory(history: ChatTurn[], budget: number): ChatTurn[] {
  const kept: ChatTurn[] = [];
  let used = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const cost = countTokens(history[i].content) + MESSAGE_OVERHEAD_TOKENS;
    if (used + cost > budget) break;
    kept.unshift(history[i]);
    used += cost;
  }
  return kept;
}
