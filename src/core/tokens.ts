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

/**
 * Docs and questions are text: a special token's spelling in them (`<|endoftext|>`, in any page about LLMs) is
 * counted as the characters it is, as the API does with message content, instead of gpt-tokenizer's default of
 * throwing, which would skip the page and fail the answer.
 */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Tokens as the OpenAI models count them (o200k_base), the unit of every budget in Groundwork. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return loadTokenizer().countTokens(text, PLAIN_TEXT);
}

export function encodeTokens(text: string): number[] {
  return loadTokenizer().encode(text, PLAIN_TEXT);
}

export function decodeTokens(tokens: number[]): string {
  return loadTokenizer().decode(tokens);
}
