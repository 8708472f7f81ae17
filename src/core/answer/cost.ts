import * as models from 'gpt-tokenizer/models.gen';

interface Prices {
  input?: number;
  output?: number;
}

/**
 * Estimated cost in US dollars from gpt-tokenizer's published per-million-token prices. A fine-tuned model
 * (`ft:BASE:org::id`) is estimated at its base model's price; a model without published prices (in the version of the data we ship) has no estimate.
 */
export function estimateCostUsd(model: string, promptTokens: number, completionTokens: number): number | undefined {
  const base = model.startsWith('ft:') ? model.split(':')[1] : model;
  const spec = (models as unknown as Record<string, { price_data?: { main?: Prices } } | undefined>)[base];
  const prices = spec?.price_data?.main;
  if (!prices?.input || !prices.output) return undefined;
  return (promptTokens * prices.input + completionTokens * prices.output) / 1e6;
}
