import { restyleMessages } from '../answer/restyleCheck';
import { checkRestyle } from '../answer/restyleCheck';
import type { ChatMessage } from '../providers/chatProvider';
import { countTokens } from '../tokens';
import { trainingPricePerMillion } from './pricing';

/** One line of `examples.jsonl` as the team keeps it. */
export interface StyleExampleLine {
  question: string;
  draft: string;
  approved: string;
  model?: string;
  createdAt?: string;
}

/** One line of a chat fine-tuning file. */
export interface TrainingExample {
  messages: ChatMessage[];
}

export interface DatasetProblem {
  /** 1-based line of the examples file. */
  line: number;
  severity: 'error' | 'warning';
  message: string;
}

export interface DatasetOptions {
  /** Share of the examples kept for validation (0 to 0.5). */
  validationShare: number;
  baseModel: string;
  /** Overrides the dated price table. */
  pricePerMillion?: number;
}

export interface Dataset {
  train: TrainingExample[];
  validation: TrainingExample[];
  problems: DatasetProblem[];
  /** Whether the files may be written: no error. */
  ok: boolean;
  stats: {
    examples: number;
    train: number;
    validation: number;
    tokens: { total: number; max: number; mean: number };
    /** Over the per-example limit: truncated in training, and billed at the limit. */
    overLimit: number;
    epochs: number;
    billedTokens: number;
    pricePerMillion?: number;
    estimatedCostUsd?: number;
  };
}

/** OpenAI's data-preparation guide: at least 10 examples; improvements usually show from 50. */
export const MIN_EXAMPLES = 10;
export const RECOMMENDED_EXAMPLES = 50;
/** Tokens one training example may have (the longest context any current base model trains on). */
export const MAX_TOKENS_PER_EXAMPLE = 65_536;
const KNOWN_KEYS = new Set(['question', 'draft', 'approved', 'model', 'createdAt']);
const ROLES = new Set(['system', 'user', 'assistant']);

/** The guide's default epochs: 3, raised for few examples (to about 100 seen) and lowered for very many. */
export function epochsFor(examples: number): number {
  if (examples * 3 < 100) return Math.min(25, Math.floor(100 / examples));
  if (examples * 3 > 25_000) return Math.max(1, Math.floor(25_000 / examples));
  return 3;
}

/**
 * Reads `examples.jsonl` (one object a line) into training examples in the chat fine-tuning format: the restyle
 * prompt Groundwork sends at answer time, the draft as the user's turn, the approved text as the assistant's. Every
 * check of OpenAI's data-preparation guide, and Groundwork's citation lock between draft and approved text, with
 * the line that fails.
 */
export function buildDataset(examplesJsonl: string, options: DatasetOptions): Dataset {
  const problems: DatasetProblem[] = [];
  const error = (line: number, message: string): void => {
    problems.push({ line, severity: 'error', message });
  };
  const kept: Array<{ line: number; example: TrainingExample; tokens: number; key: string }> = [];
  const seen = new Map<string, number>();
  examplesJsonl.split('\n').forEach((text, i) => {
    const line = i + 1;
    if (!text.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      error(line, `not JSON: ${(e as Error).message}`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return error(line, 'not a JSON object');
    const record = value as Record<string, unknown>;
    const unknown = Object.keys(record).filter((k) => !KNOWN_KEYS.has(k));
    if (unknown.length) problems.push({ line, severity: 'warning', message: `unknown keys ignored: ${unknown.join(', ')}` });
    for (const key of ['question', 'draft', 'approved'] as const) {
      if (typeof record[key] !== 'string') return error(line, `"${key}" must be a string`);
      if (!(record[key] as string).trim()) return error(line, `"${key}" is empty`);
    }
    const example = toTrainingExample(record as unknown as StyleExampleLine);
    const shape = checkShape(example);
    if (shape) return error(line, shape);
    const lock = checkRestyle(record.draft as string, record.approved as string);
    if (!lock.ok) return error(line, `the approved text breaks the citation lock: ${lock.problems.join('; ')}`);
    const key = JSON.stringify(example.messages);
    const first = seen.get(key);
    if (first !== undefined) return error(line, `duplicate of line ${first}`);
    seen.set(key, line);
    const tokens = example.messages.reduce((sum, m) => sum + countTokens(m.content) + 4, 3);
    if (tokens > MAX_TOKENS_PER_EXAMPLE)
      problems.push({
        line,
        severity: 'warning',
        message: `${tokens} tokens: over the ${MAX_TOKENS_PER_EXAMPLE} a training example may have; it is cut`,
      });
    kept.push({ line, example, tokens, key });
  });

  if (kept.length < MIN_EXAMPLES) error(0, `${kept.length} usable examples: fine-tuning needs at least ${MIN_EXAMPLES}`);
  else if (kept.length < RECOMMENDED_EXAMPLES)
    problems.push({
      line: 0,
      severity: 'warning',
      message: `${kept.length} examples: improvements usually show from ${RECOMMENDED_EXAMPLES} to 100`,
    });

  // A stable split: the same examples give the same validation set, in any order.
  const validationShare = Math.min(0.5, Math.max(0, options.validationShare));
  const validationCount =
    kept.length >= MIN_EXAMPLES ? Math.max(validationShare > 0 ? 1 : 0, Math.round(kept.length * validationShare)) : 0;
  const ranked = [...kept].sort((a, b) => stableHash(a.key) - stableHash(b.key));
  const validationKeys = new Set(ranked.slice(0, validationCount).map((k) => k.key));
  const train = kept.filter((k) => !validationKeys.has(k.key));
  const validation = kept.filter((k) => validationKeys.has(k.key));

  const epochs = train.length ? epochsFor(train.length) : 0;
  const billedTokens = train.reduce((sum, k) => sum + Math.min(MAX_TOKENS_PER_EXAMPLE, k.tokens), 0);
  const pricePerMillion = options.pricePerMillion ?? trainingPricePerMillion(options.baseModel);
  const all = kept.map((k) => k.tokens);
  const total = all.reduce((a, b) => a + b, 0);
  return {
    train: train.map((k) => k.example),
    validation: validation.map((k) => k.example),
    problems,
    ok: !problems.some((p) => p.severity === 'error'),
    stats: {
      examples: kept.length,
      train: train.length,
      validation: validation.length,
      tokens: { total, max: Math.max(0, ...all), mean: all.length ? Math.round(total / all.length) : 0 },
      overLimit: all.filter((t) => t > MAX_TOKENS_PER_EXAMPLE).length,
      epochs,
      billedTokens,
      pricePerMillion,
      estimatedCostUsd: pricePerMillion === undefined ? undefined : (epochs * billedTokens * pricePerMillion) / 1e6,
    },
  };
}

export function toTrainingExample(example: Pick<StyleExampleLine, 'draft' | 'approved'>): TrainingExample {
  return { messages: [...restyleMessages(example.draft), { role: 'assistant', content: example.approved }] };
}

/** The guide's format checks of one example, or undefined when it passes. */
export function checkShape(example: TrainingExample): string | undefined {
  if (!Array.isArray(example.messages) || !example.messages.length) return 'no messages';
  for (const message of example.messages) {
    if (!ROLES.has(message.role)) return `unknown role "${message.role}"`;
    if (typeof message.content !== 'string' || !message.content.trim()) return `an empty ${message.role} message`;
  }
  if (!example.messages.some((m) => m.role === 'assistant')) return 'no assistant message';
  return undefined;
}

function stableHash(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

export function toJsonl(examples: TrainingExample[]): string {
  return examples.map((e) => JSON.stringify(e)).join('\n') + (examples.length ? '\n' : '');
}
