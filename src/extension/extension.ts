import * as vscode from 'vscode';
import { AnswerService } from './answerService';
import { ChatView } from './chat/chatView';
import { CitationTracker } from './citationTracker';
import { registerCommands } from './commands';
import { DocsHover } from './docsHover';
import { IndexService } from './indexService';

/**
 * Activation stays thin: register contributions and create the status bar. Everything heavy (the index worker,
 * Vectra, the model client) loads on first use, and the first index build starts after activate() returns.
 */
let indexService: IndexService | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const output = vscode.window.createOutputChannel('Groundwork', { log: true });
  context.subscriptions.push(output);
  try {
    const index = (indexService = new IndexService(context, output));
    const citations = new CitationTracker();
    const chat = new ChatView(context, index, new AnswerService(context, index), citations);
    context.subscriptions.push(
      index,
      citations,
      chat,
      vscode.window.registerWebviewViewProvider(ChatView.viewId, chat, { webviewOptions: { retainContextWhenHidden: true } }),
      vscode.languages.registerHoverProvider({ scheme: 'file' }, citations),
      vscode.languages.registerHoverProvider({ scheme: 'file' }, new DocsHover(index)),
      index.onDidUpdate(() => void citations.checkFiles()),
      ...registerCommands(context, index, chat),
    );
    setTimeout(() => index.start(), 0);
  } catch (error) {
    // Surface activation failures ourselves; otherwise the user sees only commands that do nothing.
    const message = `Groundwork failed to start: ${(error as Error).message}`;
    output.error(message);
    void vscode.window.showErrorMessage(message);
  }
  output.info(`Activated in ${(performance.now() - started).toFixed(1)} ms`);
}

/** VS Code waits (a few seconds at most) for this: the index worker writes its pending search snapshot. */
export function deactivate(): Promise<void> | undefined {
  return indexService?.close();
}
