import * as vscode from 'vscode';
import type { ChatMessage } from '../core/providers/chatProvider';
import { type ChatEvent, type ChatProvider, type ChatRequest, ProviderError } from '../core/providers/chatProvider';

/** Answers from a model VS Code provides (for example Copilot), through the Language Model API: no key needed. */
export class VscodeLmProvider implements ChatProvider {
  readonly name = 'vscode';

  constructor(private readonly chatModel: vscode.LanguageModelChat) {}

  get model(): string {
    return this.chatModel.id;
  }

  static async select(preferredId: string | undefined): Promise<VscodeLmProvider> {
    const models = await vscode.lm.selectChatModels(preferredId ? { id: preferredId } : {});
    const all = models.length ? models : await vscode.lm.selectChatModels({});
    if (!all.length)
      throw new ProviderError(
        'model',
        'VS Code has no language model available. Install and sign in to a model provider such as GitHub Copilot, or pick another provider.',
      );
    return new VscodeLmProvider(all[0]);
  }

  async *stream(request: ChatRequest): AsyncIterable<ChatEvent> {
    const cancellation = new vscode.CancellationTokenSource();
    const onAbort = () => cancellation.cancel();
    request.signal?.addEventListener('abort', onAbort);
    try {
      const response = await this.chatModel.sendRequest(
        toLmMessages(request.messages),
        { justification: 'Groundwork answers questions about your workspace docs.' },
        cancellation.token,
      );
      for await (const text of response.text) yield { type: 'text', text };
      if (request.signal?.aborted) throw new ProviderError('cancelled', 'Cancelled.');
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      if (request.signal?.aborted) throw new ProviderError('cancelled', 'Cancelled.');
      if (error instanceof vscode.LanguageModelError) {
        const kind =
          error.code === vscode.LanguageModelError.NoPermissions.name
            ? 'auth'
            : error.code === vscode.LanguageModelError.NotFound.name
              ? 'model'
              : 'bad-request';
        throw new ProviderError(kind, `VS Code's language model refused the request: ${error.message}`);
      }
      throw error;
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
      cancellation.dispose();
    }
  }
}

/** The Language Model API has no system role: instructions go first, as a user message. */
function toLmMessages(messages: ChatMessage[]): vscode.LanguageModelChatMessage[] {
  return messages.map((m) =>
    m.role === 'assistant' ? vscode.LanguageModelChatMessage.Assistant(m.content) : vscode.LanguageModelChatMessage.User(m.content),
  );
}
