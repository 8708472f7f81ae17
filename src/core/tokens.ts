type Tokenizer = typeof import('gpt-tokenizer');
let tokenizer: Tokenizer | undefined;

/**
 * gpt-tokenizer decodes its token tables when loaded (about 170 ms), and searching an index never counts
 * tokens: it is loaded on the first count.
 */
export function loadTokenizer(): Tokenizer {
  tokenizer ??= require('gpt-tokenizer') as Tokenizer; // eslint-disable-line @typescript-eslint/no-require-imports
  return tokenizer;
}

/** Tokens as the OpenAI models count them (o200k_base), the unit of every budget in Groundwork. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return loadTokenizer().countTokens(text);
}

/** The exact token count when it is at most `limit`, otherwise undefined; stops counting past the limit. */
export function tokensWithin(text: string, limit: number): number | undefined {
  if (text.length === 0) return 0;
  const count = loadTokenizer().isWithinTokenLimit(text, limit);
  return count === false ? undefined : count;
}
