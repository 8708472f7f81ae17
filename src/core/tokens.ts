import { countTokens as countBpeTokens, isWithinTokenLimit } from 'gpt-tokenizer';

/** Tokens as the OpenAI models count them (o200k_base), the unit of every budget in Groundwork. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return countBpeTokens(text);
}

/** Cheap upper-bound estimate used to avoid tokenizing text that is clearly within a limit. */
export function roughTokenEstimate(text: string): number {
  return Math.ceil(text.length / 3);
}

/** The exact token count when it is at most `limit`, otherwise undefined; stops counting past the limit. */
export function tokensWithin(text: string, limit: number): number | undefined {
  if (text.length === 0) return 0;
  const count = isWithinTokenLimit(text, limit);
  return count === false ? undefined : count;
}
