import { countTokens } from '../tokens';
import { ToolInputError } from './toolInputError';

/** The smallest budget a tool accepts: below it not even a heading and a line fit. */
export const MIN_TOOL_TOKENS = 50;

/** Checks an agent's `maxTokens` (absent: no budget beyond the tool's own limits). */
export function parseMaxTokens(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_TOOL_TOKENS)
    throw new ToolInputError(`maxTokens must be an integer of at least ${MIN_TOOL_TOKENS}`);
  return value;
}

/**
 * How many of `pieces` (lines, cells, passages), taken in order, fit in `maxTokens`, counting a newline between
 * them; `cut` when some were left out. Without a budget everything fits.
 */
export function fitToTokens(pieces: readonly string[], maxTokens: number | undefined): { kept: number; cut: boolean } {
  if (maxTokens === undefined) return { kept: pieces.length, cut: false };
  let used = 0;
  for (let i = 0; i < pieces.length; i++) {
    used += countTokens(pieces[i]) + 1;
    if (used > maxTokens) return { kept: i, cut: true };
  }
  return { kept: pieces.length, cut: false };
}
