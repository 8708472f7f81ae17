/**
 * Fine-tuning training prices in US dollars per million training tokens, as OpenAI published them. Dated: prices
 * move, so `--price-per-million` overrides them. A model not listed has no estimate.
 */
export const TRAINING_PRICES_AS_OF = '2025-06';
const TRAINING_USD_PER_MILLION: Record<string, number> = {
  'gpt-4.1-2025-04-14': 25,
  'gpt-4.1-mini-2025-04-14': 5,
  'gpt-4.1-nano-2025-04-14': 1.5,
  'gpt-4o-2024-08-06': 25,
  'gpt-4o-mini-2024-07-18': 3,
  'gpt-3.5-turbo-0125': 8,
};

/** The price for a base model, by its exact name or a dated snapshot of it (`gpt-4o-mini` → its snapshot). */
export function trainingPricePerMillion(baseModel: string): number | undefined {
  if (TRAINING_USD_PER_MILLION[baseModel] !== undefined) return TRAINING_USD_PER_MILLION[baseModel];
  const snapshot = Object.keys(TRAINING_USD_PER_MILLION).find((name) => name.replace(/-\d{4}-\d{2}-\d{2}$|-\d{4}$/, '') === baseModel);
  return snapshot === undefined ? undefined : TRAINING_USD_PER_MILLION[snapshot];
}
