import type { ChatProvider } from '../providers/chatProvider';
import { countTokens } from '../tokens';
import type { Reranker, RerankScores, RerankUsage, SupportQuestion, SupportVerdicts } from './reranker';

const SYSTEM = [
  "You judge search results for a question about a software project's documentation.",
  'For each numbered passage, score how directly it answers the question: 10 answers it fully, 5 is related but',
  'incomplete, 0 is unrelated. Reply with JSON only, one integer per passage in the given order:',
  '{"scores": [s1, s2, ...]}',
].join('\n');

const SUPPORT_SYSTEM = [
  "You check the citations of an answer about a software project's documentation.",
  'For each numbered item, say whether the passage states what the sentence says: true when it does, false when',
  'it does not or only touches the topic. Reply with JSON only, one boolean per item in the given order:',
  '{"supports": [b1, b2, ...]}',
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
    const { reply, usage } = await this.ask(SYSTEM, `Question: ${query}\n\nPassages:\n\n${listed}`, 16 + passages.length * 4, signal);
    return withUsage(usage, () => ({ scores: parseScores(reply, passages.length), usage }));
  }

  /** One request for every citation in question: each sentence beside the passage it cites. */
  async checkSupport(questions: SupportQuestion[], signal: AbortSignal): Promise<SupportVerdicts> {
    const user = questions.map((q, i) => `[${i + 1}]\nSentence: ${q.sentence}\nPassage:\n${q.passages[q.cited]}`).join('\n\n');
    const { reply, usage } = await this.ask(SUPPORT_SYSTEM, user, 16 + questions.length * 4, signal);
    return withUsage(usage, () => ({ supported: parseVerdicts(reply, questions.length), usage, requests: 1 }));
  }

  private async ask(system: string, user: string, maxTokens: number, signal: AbortSignal): Promise<{ reply: string; usage: RerankUsage }> {
    let reply = '';
    let usage: RerankUsage | undefined;
    for await (const event of this.provider.stream({
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
      maxTokens,
      signal,
    })) {
      if (event.type === 'text') reply += event.text;
      else usage = { model: this.provider.model, promptTokens: event.promptTokens, completionTokens: event.completionTokens };
    }
    // A provider that reports no usage (VS Code's models): counted here, so the cost is still shown.
    usage ??= { model: this.provider.model, promptTokens: countTokens(system) + countTokens(user), completionTokens: countTokens(reply) };
    return { reply, usage };
  }
}

/** The request was paid for even when its reply is unusable: its tokens still count in the answer's cost. */
function withUsage<T>(usage: RerankUsage, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw Object.assign(error as Error, { usage });
  }
}

/**
 * The scores in a model's reply: `{"scores": [...]}`, possibly inside a code fence or after a sentence. A reply
 * without exactly one number per passage is an error, so the search order is kept.
 */
export function parseScores(reply: string, count: number): number[] {
  return listIn(reply, 'scores', 'scores', count, (s): s is number => typeof s === 'number' && Number.isFinite(s));
}

/** The verdicts in a model's reply, `{"supports": [...]}`: exactly one boolean per question, or an error. */
export function parseVerdicts(reply: string, count: number): boolean[] {
  return listIn(reply, 'supports', 'verdicts', count, (s): s is boolean => typeof s === 'boolean');
}

/** The list under `key` in the JSON object a reply holds, with exactly `count` items of the right kind, or an error. */
function listIn<T>(reply: string, key: string, noun: string, count: number, isItem: (item: unknown) => item is T): T[] {
  const match = /\{[\s\S]*\}/.exec(reply);
  let list: unknown;
  try {
    list = match ? (JSON.parse(match[0]) as Record<string, unknown>)[key] : undefined;
  } catch {
    list = undefined;
  }
  if (!Array.isArray(list) || list.length !== count || !list.every(isItem)) throw new Error(`the reply did not hold ${count} ${noun}`);
  return list;
}
