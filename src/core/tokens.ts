import { countTokens as countBpeTokens, isWithinTokenLimit } from 'gpt-tokenizer';

/** Tokens as the OpenAI models count them (o200k_base), the unit of every budget in Groundwork. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return countBpeTokens(text);
}

/** The exact token count when it is at most `limit`, otherwise undefined; stops counting past the limit. */
export function tokensWithin(text: string, limit: number): number | undefined {
  if (text.length === 0) return 0;
  const count = isWithinTokenLimit(text, limit);
  return count === false ? undefined : count;
}
