import type { Embedder } from './embedder';
import { HashingEmbedder } from './hashingEmbedder';
import { OpenAIEmbedder } from './openaiEmbedder';

export type EmbedderKind = 'offline' | 'openai';

export interface EmbedderSettings {
  kind: EmbedderKind;
  baseURL?: string;
  apiKey?: string;
  model?: string;
  dimensions?: number;
  /** For a remote embedder: redact secret-shaped strings before sending (default true). */
  redactSecrets?: boolean;
}

export const DEFAULT_OPENAI_EMBEDDING_MODEL = 'text-embedding-3-small';

/** The embedder is always chosen explicitly; `offline` is the default even when a chat model is configured. */
export function createEmbedder(settings: EmbedderSettings): Embedder {
  if (settings.kind === 'offline') return new HashingEmbedder({ dimensions: settings.dimensions });
  if (settings.kind === 'openai') {
    return new OpenAIEmbedder({
      baseURL: settings.baseURL,
      apiKey: settings.apiKey,
      model: settings.model ?? DEFAULT_OPENAI_EMBEDDING_MODEL,
      dimensions: settings.dimensions ?? 512,
      redactSecrets: settings.redactSecrets,
    });
  }
  throw new Error(`unknown embedder "${String(settings.kind)}" (expected offline or openai)`);
}
