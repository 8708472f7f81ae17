/** A sentence-start form of a clause written to follow other words ("set OPENAI_API_KEY" → "Set OPENAI_API_KEY"). */
export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
