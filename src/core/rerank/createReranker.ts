import type { ChatProvider } from '../providers/chatProvider';
import { EndpointReranker, keyFor } from './endpointReranker';
import { ModelReranker } from './modelReranker';
import type { Reranker } from './reranker';

export type RerankKind = 'off' | 'model' | 'endpoint';

export interface RerankConfig {
  kind: RerankKind;
  /** For `model`: the chat model that scores (the answering model). */
  provider?: ChatProvider;
  /** For `endpoint`. */
  url?: string;
  model?: string;
  /** The model API key and base URL: the key goes to the endpoint only when it is on the same origin. */
  apiKey?: string;
  modelBaseUrl?: string;
}

/**
 * The configured reranker, or undefined when reranking is off; a configuration that cannot work throws with
 * what to set.
 */
export function createReranker(config: RerankConfig, remedy: { url: string; model: string }): Reranker | undefined {
  if (config.kind === 'off') return undefined;
  if (config.kind === 'model') {
    if (!config.provider) throw new Error(`Reranking with a model needs a chat model: set ${remedy.model}.`);
    return new ModelReranker(config.provider);
  }
  if (!config.url) throw new Error(`Reranking with an endpoint needs its URL: set ${remedy.url}.`);
  try {
    new URL(config.url);
  } catch {
    throw new Error(`The rerank URL "${config.url}" is not a URL: set ${remedy.url}.`);
  }
  return new EndpointReranker({ url: config.url, model: config.model, apiKey: keyFor(config.url, config.modelBaseUrl, config.apiKey) });
}
