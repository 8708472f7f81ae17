import * as vscode from 'vscode';
import { participantHandler, registerChatParticipant } from './agents/chatParticipant';
import { registerLanguageModelTools } from './agents/languageModelTools';
import { registerMcpServerProvider } from './agents/mcpServerProvider';
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

/** What activation returns: the `@groundwork` handler, so the extension-host tests can drive it with a recording stream. */
export interface GroundworkApi {
  chatHandler: vscode.ChatRequestHandler;
  /** Which agent surfaces this VS Code has (each needs a newer API than the panel does). */
  surfaces: { chatParticipant: boolean; languageModelTools: boolean; mcpServers: boolean };
}

export function activate(context: vscode.ExtensionContext): GroundworkApi | undefined {
  const started = performance.now();
  const output = vscode.window.createOutputChannel('Groundwork', { log: true });
  context.subscriptions.push(output);
  try {
    const index = (indexService = new IndexService(context, output));
    const citations = new CitationTracker();
    const answers = new AnswerService(context, index);
    const chat = new ChatView(context, index, answers, citations);
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
    // Where this VS Code has them: @groundwork in the Chat view, #docs tools for agents, and an MCP server.
    const participant = registerChatParticipant(context, answers, index);
    const tools = registerLanguageModelTools(index);
    const mcp = registerMcpServerProvider(context, index);
    context.subscriptions.push(...participant, ...tools, ...mcp);
    setTimeout(() => index.start(), 0);
    // A house-style job started before a reload is followed again.
    setTimeout(() => void import('./style/trainHouseStyle').then((m) => m.followKeptJob(context)), 0);
    output.info(`Activated in ${(performance.now() - started).toFixed(1)} ms`);
    return {
      chatHandler: participantHandler(answers, index),
      surfaces: { chatParticipant: participant.length > 0, languageModelTools: tools.length > 0, mcpServers: mcp.length > 0 },
    };
  } catch (error) {
    // Surface activation failures ourselves; otherwise the user sees only commands that do nothing.
    const message = `Groundwork failed to start: ${(error as Error).message}`;
    output.error(message);
    void vscode.window.showErrorMessage(message);
    return undefined;
  }
}

/** VS Code waits (a few seconds at most) for this: the index worker writes its pending search snapshot. */
export function deactivate(): Promise<void> | undefined {
  return indexService?.close();
}
