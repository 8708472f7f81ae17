/**
 * Chat prices in US dollars per million tokens (input, output), as OpenAI published them. Dated: prices move, and
 * a model not listed (another vendor's, or one newer than the table) gets no estimate rather than a guess.
 * (gpt-tokenizer ships prices too, but its `gpt-4o` entry is gpt-4-turbo's, four times too high.)
 */
export const CHAT_PRICES_AS_OF = '2025-08';
const CHAT_USD_PER_MILLION: Record<string, [input: number, output: number]> = {
  'gpt-4o': [2.5, 10],
  'gpt-4o-mini': [0.15, 0.6],
  'gpt-4.1': [2, 8],
  'gpt-4.1-mini': [0.4, 1.6],
  'gpt-4.1-nano': [0.1, 0.4],
  'o4-mini': [1.1, 4.4],
  o3: [2, 8],
  'gpt-5': [1.25, 10],
  'gpt-5-mini': [0.25, 2],
  'gpt-5-nano': [0.05, 0.4],
};
/** A fine-tuned model (`ft:BASE:org::id`) is billed at its own rate, not its base model's. */
const FINE_TUNED_USD_PER_MILLION: Record<string, [input: number, output: number]> = {
  'gpt-4o': [3.75, 15],
  'gpt-4o-mini': [0.3, 1.2],
  'gpt-4.1': [3, 12],
  'gpt-4.1-mini': [0.8, 3.2],
  'gpt-4.1-nano': [0.2, 0.8],
};

/** A model name without its date (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`). */
const undated = (model: string) => model.replace(/-\d{4}-\d{2}-\d{2}$/, '');

/** Estimated cost in US dollars of one request, or undefined when the model's price is not in the table. */
export function estimateCostUsd(model: string, promptTokens: number, completionTokens: number): number | undefined {
  const fineTuned = model.startsWith('ft:');
  const name = undated(fineTuned ? model.split(':')[1] : model);
  const prices = (fineTuned ? FINE_TUNED_USD_PER_MILLION : CHAT_USD_PER_MILLION)[name];
  if (!prices) return undefined;
  return (promptTokens * prices[0] + completionTokens * prices[1]) / 1e6;
}
