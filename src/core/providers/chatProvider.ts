/** One message of a chat request, in the roles every chat API has. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  maxTokens: number;
  signal?: AbortSignal;
  /** When the whole answer must be done (epoch ms): no wait between retries may reach past it. */
  deadline?: number;
}

export type ChatEvent = { type: 'text'; text: string } | { type: 'usage'; promptTokens: number; completionTokens: number };

/** A chat model behind any API: OpenAI-compatible endpoints, Azure OpenAI, or VS Code's Language Model API. */
export interface ChatProvider {
  /** `openai`, `azure`, `vscode`: shown with every answer. */
  readonly name: string;
  readonly model: string;
  stream(request: ChatRequest): AsyncIterable<ChatEvent>;
}

export type ProviderErrorKind =
  | 'auth'
  | 'model'
  | 'rate-limit'
  | 'server'
  | 'network'
  | 'timeout'
  | 'context-length'
  | 'cancelled'
  | 'bad-request'
  /** A 200 that is not what the API returns (HTML from a proxy, a login page). */
  | 'bad-response'
  /** The answer stream ended before the model finished (a dropped connection): what arrived is partial. */
  | 'cut-off';

/**
 * What the user can change to fix a failure, named as they find it where they are: a CLI option, or a VS Code
 * setting or command. Each surface passes its own; messages quote them.
 */
export interface Remedies {
  baseUrl: string;
  apiKey: string;
  model: string;
  timeout: string;
}

export const GENERIC_REMEDIES: Remedies = {
  baseUrl: 'the base URL',
  apiKey: 'set the API key',
  model: 'the model name',
  timeout: 'the answer timeout',
};

/** A model failure with a message a user can act on. */
export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
