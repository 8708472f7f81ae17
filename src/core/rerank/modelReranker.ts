import type { ChatProvider } from '../providers/chatProvider';
import { countTokens } from '../tokens';
import type { Reranker, RerankScores } from './reranker';

const SYSTEM = [
  "You judge search results for a question about a software project's documentation.",
  'For each numbered passage, score how directly it answers the question: 10 answers it fully, 5 is related but',
  'incomplete, 0 is unrelated. Reply with JSON only, one integer per passage in the given order:',
  '{"scores": [s1, s2, ...]}',
].join('\n');

/**
 * Scores passages with a chat model (the answering model, or any OpenAI-compatible or VS Code model): one request
 * lists every candidate, and the model returns a score for each.
 */
export class ModelReranker implements Reranker {
  readonly name: string;

  constructor(private readonly provider: ChatProvider) {
    this.name = `model ${provider.model}`;
  }

  async score(query: string, passages: string[], signal: AbortSignal): Promise<RerankScores> {
    const listed = passages.map((p, i) => `[${i + 1}]\n${p}`).join('\n\n');
    const user = `Question: ${query}\n\nPassages:\n\n${listed}`;
    let reply = '';
    let usage: RerankScores['usage'];
    for await (const event of this.provider.stream({
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: user },
      ],
      maxTokens: 16 + passages.length * 4,
      signal,
    })) {
      if (event.type === 'text') reply += event.text;
      else usage = { model: this.provider.model, promptTokens: event.promptTokens, completionTokens: event.completionTokens };
    }
    // A provider that reports no usage (VS Code's models): counted here, so the cost is still shown.
    usage ??= { model: this.provider.model, promptTokens: countTokens(SYSTEM) + countTokens(user), completionTokens: countTokens(reply) };
    try {
      return { scores: parseScores(reply, passages.length), usage };
    } catch (error) {
      // The request was paid for even when its reply is unusable: its tokens still count in the answer's cost.
      throw Object.assign(error as Error, { usage });
    }
  }
}

/**
 * The scores in a model's reply: `{"scores": [...]}`, possibly inside a code fence or after a sentence. A reply
 * without exactly one number per passage is an error, so the search order is kept.
 */
export function parseScores(reply: string, count: number): number[] {
  const match = /\{[\s\S]*\}/.exec(reply);
  let scores: unknown;
  try {
    scores = match ? (JSON.parse(match[0]) as { scores?: unknown }).scores : undefined;
  } catch {
    scores = undefined;
  }
  if (!Array.isArray(scores) || scores.length !== count || !scores.every((s) => typeof s === 'number' && Number.isFinite(s)))
    throw new Error(`the reply did not hold ${count} scores`);
  return scores as number[];
}
