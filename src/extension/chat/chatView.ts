import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { type AskOptions, PanelConversation, type StoredTurn } from '../../core/chatReply/panelConversation';
import {
  type HostMessage,
  type PanelStatus,
  parseWebviewMessage,
  type SourceView,
  unsupportedNote,
  type WebviewMessage,
} from '../../shared/protocol';
import { recordFeedback } from '../../core/style/feedbackLog';
import { PANEL_BODY } from '../../shared/panelBody';
import type { AnswerService } from '../answerService';
import { API_KEY_SECRET } from '../apiKey';
import type { CitationChange, CitationTracker } from '../citationTracker';
import type { IndexService } from '../indexService';
import { readSettings } from '../settings';
import { editIntoHouseStyle } from './houseStyleEdit';
import { openSource } from './openSource';

const HISTORY_KEY = 'groundwork.chatHistory';

/** The chat side panel: a webview view that streams grounded answers and opens their citations. */
export class ChatView implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = 'groundwork.chat';
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private focusPending = false;
  private readonly conversation: PanelConversation;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly index: IndexService,
    private readonly answers: AnswerService,
    private readonly citations: CitationTracker,
  ) {
    this.conversation = new PanelConversation(context.workspaceState.get<StoredTurn[]>(HISTORY_KEY, []), {
      answer: (question, history, options) => this.answers.answer(question, history, options),
      post: (message) => this.post(message),
      save: (turns) => Promise.resolve(context.workspaceState.update(HISTORY_KEY, turns)),
      answered: (id, question, answer) => this.citations.record(id, question, answer),
      multiRoot: () => (vscode.workspace.workspaceFolders?.length ?? 0) > 1,
    });
    this.disposables.push(
      index.onDidUpdate(() => void this.postStatus()),
      citations.onDidChangeCitation((change) => void this.followSource(change)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('groundwork')) void this.postStatus();
      }),
      context.secrets.onDidChange(() => void this.postStatus()),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
    // Only our own built assets can be loaded; scripts need the per-load nonce.
    view.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    view.webview.html = this.html(view.webview, dist, media);
    this.disposables.push(
      view.webview.onDidReceiveMessage((raw) => {
        const message = parseWebviewMessage(raw);
        if (message) void this.handle(message);
      }),
      view.onDidDispose(() => {
        this.view = undefined;
        this.ready = false;
      }),
    );
  }

  /** Shows the panel and asks a question in it (from the Ask and Explain Selection commands). */
  async ask(question: string, options: AskOptions = {}): Promise<void> {
    await this.reveal();
    await this.conversation.run(question, options);
  }

  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${ChatView.viewId}.focus`);
  }

  focusInput(): void {
    this.post({ type: 'focusInput' });
  }

  newChat(): void {
    void this.conversation.clear().then(() => this.postState());
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        await this.postState();
        if (this.focusPending) this.post({ type: 'focusInput' });
        this.focusPending = false;
        break;
      case 'ask':
        await this.conversation.run(message.question, { answerAnyway: message.answerAnyway });
        break;
      case 'stop':
        this.conversation.stop(message.id);
        break;
      case 'newChat':
        this.newChat();
        break;
      case 'openSource': {
        const turn = this.conversation.turns.find((t) => t.id === message.turnId);
        const source = (message.nearest ? turn?.nearest : turn?.sources)?.find((s) => s.n === message.n);
        const evidence = message.marker === undefined ? undefined : turn?.evidence?.[message.marker];
        if (source) await openSource(source, evidence?.n === source.n && evidence.matched ? evidence : undefined);
        // An unsupported citation opens its passage, never evidence lines, and says why.
        if (source && evidence?.n === source.n && evidence.grade === 'unsupported')
          void vscode.window.showWarningMessage(`Groundwork: ${unsupportedNote(evidence)}. Its whole passage is shown.`);
        break;
      }
      case 'copy':
        await vscode.env.clipboard.writeText(message.text);
        break;
      case 'editStyle': {
        const turn = this.conversation.turns.find((t) => t.id === message.turnId);
        if (turn?.result) await editIntoHouseStyle(turn.question, turn.answer, turn.result.model);
        break;
      }
      case 'feedback': {
        const turn = this.conversation.turns.find((t) => t.id === message.turnId);
        const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
        if (!turn?.result || !folder) break;
        turn.feedback = message.helpful ? 'helpful' : 'unhelpful';
        void this.conversation.keep();
        await recordFeedback(folder.uri.fsPath, {
          question: turn.question,
          answer: turn.answer,
          verdict: turn.result.verdict,
          helpful: message.helpful,
          model: turn.result.model,
          surface: 'panel',
          createdAt: new Date().toISOString(),
        }).catch((error) => void vscode.window.showWarningMessage(`Groundwork could not record the feedback: ${(error as Error).message}`));
        break;
      }
      case 'openLink':
        await vscode.env.openExternal(vscode.Uri.parse(message.url));
        break;
      case 'command':
        await vscode.commands.executeCommand(`groundwork.${message.command}`);
        break;
    }
  }

  /** A source moved with its text, went stale, or is back: the panel shows the turn's sources as they now stand. */
  private async followSource(change: CitationChange): Promise<void> {
    const turn = await this.conversation.followSource(change);
    if (turn) this.post({ type: 'sources', id: turn.id, sources: this.sourceViews(turn) });
  }

  /** A turn's sources as the panel shows them: with whether their cited lines changed since. */
  private sourceViews(turn: StoredTurn): SourceView[] {
    return (turn.result?.sources ?? []).map((s) => ({ ...s, stale: this.citations.staleFor(turn.id, s.n) }));
  }

  private async status(): Promise<PanelStatus> {
    const settings = readSettings();
    let counts = { files: 0, chunks: 0 };
    try {
      counts = await this.index.counts();
    } catch {
      // The index is still opening: report zeros until it answers.
    }
    const { files, chunks } = counts;
    const hasKey = Boolean(await this.context.secrets.get(API_KEY_SECRET));
    return {
      files,
      chunks,
      indexing: this.index.isIndexing,
      indexError: this.index.lastError,
      provider: settings['model.provider'],
      model: settings['model.provider'] === 'offline' ? undefined : settings['model.chatModel'],
      trusted: vscode.workspace.isTrusted,
      hasKey,
      // In Restricted Mode nothing is sent to a model: answers are offline extracts, and the panel says so.
      modelReady:
        vscode.workspace.isTrusted &&
        (settings['model.provider'] === 'vscode' ||
          (settings['model.provider'] !== 'offline' && (hasKey || Boolean(settings['model.baseUrl'])))),
    };
  }

  private async postState(): Promise<void> {
    const turns = this.conversation.turns.map((t) => {
      if (!t.result) return t;
      return { id: t.id, question: t.question, answer: t.answer, error: t.error, result: { ...t.result, sources: this.sourceViews(t) } };
    });
    this.post({ type: 'state', status: await this.status(), turns, streamingId: this.conversation.streamingId });
  }

  private async postStatus(): Promise<void> {
    this.post({ type: 'status', status: await this.status() });
  }

  private post(message: HostMessage): void {
    if (!this.view || !this.ready) {
      // Before the handshake the page cannot receive. The state it gets once ready carries every turn as it
      // stands, streamed text included; only a focus request needs remembering.
      if (message.type === 'focusInput') this.focusPending = true;
      return;
    }
    void this.view.webview.postMessage(message);
  }

  private html(webview: vscode.Webview, dist: vscode.Uri, media: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js'));
    const css = webview.asWebviewUri(vscode.Uri.joinPath(media, 'chat.css'));
    const codicons = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicons', 'codicon.css'));
    // default-src 'none': no remote content, no inline script, no images; only our files and this nonce.
    const csp = [
      `default-src 'none'`,
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${codicons}" rel="stylesheet">
<link href="${css}" rel="stylesheet">
<title>Groundwork</title>
</head>
<body>
${PANEL_BODY}
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.conversation.stopAll();
    for (const d of this.disposables) d.dispose();
  }
}
