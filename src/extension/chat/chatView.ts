import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Answer, ChatTurn, Evidence, Source } from '../../core/answer/types';
import {
  type AnswerView,
  type HostMessage,
  type PanelStatus,
  parseWebviewMessage,
  type SourceView,
  type TurnView,
  unsupportedNote,
  type WebviewMessage,
} from '../../shared/protocol';
import { notebookCellAt } from '../../core/chunking/notebookLines';
import { keepEditedExample, recordFeedback } from '../../core/style/feedbackLog';
import { PANEL_BODY } from '../../shared/panelBody';
import type { AnswerService } from '../answerService';
import { API_KEY_SECRET } from '../apiKey';
import { sourceUri } from '../answerService';
import type { CitationChange, CitationTracker } from '../citationTracker';
import type { IndexService } from '../indexService';
import { readSettings } from '../settings';

/** A turn as kept in workspace state: what the panel shows plus the sources with their folders, to open them. */
interface StoredTurn extends TurnView {
  sources?: Source[];
  nearest?: Source[];
  /** For each `[n]` of the answer, in order: the lines that support its sentence. */
  evidence?: Evidence[];
}

type AskOptions = { searchQuery?: string; answerAnyway?: boolean; abstainThreshold?: number };

const HISTORY_KEY = 'groundwork.chatHistory';
const MAX_STORED_TURNS = 50;

/** The chat side panel: a webview view that streams grounded answers and opens their citations. */
export class ChatView implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = 'groundwork.chat';
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private focusPending = false;
  private turns: StoredTurn[];
  private readonly running = new Map<string, AbortController>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly index: IndexService,
    private readonly answers: AnswerService,
    private readonly citations: CitationTracker,
  ) {
    this.turns = context.workspaceState.get<StoredTurn[]>(HISTORY_KEY, []);
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
    await this.run(question, options);
  }

  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${ChatView.viewId}.focus`);
  }

  focusInput(): void {
    this.post({ type: 'focusInput' });
  }

  newChat(): void {
    for (const controller of this.running.values()) controller.abort();
    this.turns = [];
    void this.context.workspaceState.update(HISTORY_KEY, []);
    void this.postState();
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
        await this.run(message.question, { answerAnyway: message.answerAnyway });
        break;
      case 'stop':
        this.running.get(message.id)?.abort();
        break;
      case 'newChat':
        this.newChat();
        break;
      case 'openSource': {
        const turn = this.turns.find((t) => t.id === message.turnId);
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
        const turn = this.turns.find((t) => t.id === message.turnId);
        if (turn?.result) await editIntoHouseStyle(turn.question, turn.answer, turn.result.model);
        break;
      }
      case 'feedback': {
        const turn = this.turns.find((t) => t.id === message.turnId);
        const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
        if (!turn?.result || !folder) break;
        turn.feedback = message.helpful ? 'helpful' : 'unhelpful';
        void this.context.workspaceState.update(HISTORY_KEY, this.turns.slice(-MAX_STORED_TURNS));
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

  /** Answers stopped because a newer question started (their turn says so, not just "Stopped."). */
  private readonly replaced = new Set<string>();

  private async run(question: string, options: AskOptions): Promise<void> {
    // One answer at a time: a new question (Explain Selection while an answer streams) stops the one running, and
    // says so, so Stop and Send always belong to the answer on screen.
    for (const [runningId, running] of this.running) {
      this.replaced.add(runningId);
      running.abort();
    }
    const id = randomBytes(8).toString('hex');
    const controller = new AbortController();
    this.running.set(id, controller);
    const turn: StoredTurn = { id, question, answer: '' };
    const history = this.history();
    this.turns.push(turn);
    this.post({ type: 'start', id, question });
    try {
      const answer = await this.answers.answer(question, history, {
        ...options,
        signal: controller.signal,
        onDelta: (text) => {
          turn.answer += text;
          this.post({ type: 'delta', id, text });
        },
        onReplace: (text) => {
          turn.answer = text;
          this.post({ type: 'replace', id, text });
        },
      });
      turn.answer = answer.answer;
      turn.sources = answer.sources;
      turn.nearest = answer.nearest;
      turn.result = toView(answer);
      turn.evidence = answer.evidence;
      this.post({ type: 'done', id, result: turn.result });
      await this.citations.record(id, question, answer);
    } catch (error) {
      // By name, not instanceof: the error may come from the separately bundled answer pipeline.
      const cancelled = controller.signal.aborted || (error as { kind?: string }).kind === 'cancelled';
      turn.error = this.replaced.delete(id) ? 'Stopped: the next question replaced it.' : cancelled ? 'Stopped.' : (error as Error).message;
      this.post({ type: 'error', id, message: turn.error });
    } finally {
      this.running.delete(id);
      await this.save();
    }
  }

  /** Earlier questions and answers, for follow-ups; the answer pipeline keeps what fits the token budget. */
  private history(): ChatTurn[] {
    return this.turns
      .filter((t) => t.answer && !t.error)
      .flatMap((t) => [
        { role: 'user' as const, content: t.question },
        { role: 'assistant' as const, content: t.answer },
      ]);
  }

  /**
   * A cited passage moved in its file: the answer's source and evidence lines move with it, kept with the history;
   * or it went stale, or is back. The panel shows the turn's sources as they now stand.
   */
  private async followSource({ turnId, n, delta }: CitationChange): Promise<void> {
    const turn = this.turns.find((t) => t.id === turnId);
    if (!turn?.result) return;
    if (delta) {
      const shift = (lines: { n: number; startLine: number; endLine: number }) => {
        if (lines.n !== n) return;
        lines.startLine += delta;
        lines.endLine += delta;
      };
      for (const source of turn.sources ?? []) shift(source);
      for (const source of turn.result.sources) shift(source);
      for (const evidence of turn.evidence ?? []) shift(evidence);
      await this.save();
    }
    this.post({ type: 'sources', id: turnId, sources: this.sourceViews(turn) });
  }

  /** A turn's sources as the panel shows them: with whether their cited lines changed since. */
  private sourceViews(turn: StoredTurn): SourceView[] {
    return (turn.result?.sources ?? []).map((s) => ({ ...s, stale: this.citations.staleFor(turn.id, s.n) }));
  }

  private async save(): Promise<void> {
    this.turns = this.turns.slice(-MAX_STORED_TURNS);
    await this.context.workspaceState.update(HISTORY_KEY, this.turns);
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
    const turns = this.turns.map((t) => {
      if (!t.result) return t;
      return { id: t.id, question: t.question, answer: t.answer, error: t.error, result: { ...t.result, sources: this.sourceViews(t) } };
    });
    this.post({ type: 'state', status: await this.status(), turns, streamingId: [...this.running.keys()][0] });
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
    for (const controller of this.running.values()) controller.abort();
    for (const d of this.disposables) d.dispose();
  }
}

function toView(answer: Answer): AnswerView {
  // The folder name only tells something in a multi-root workspace.
  const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  const view = (s: Source): SourceView => ({
    n: s.n,
    path: s.path,
    startLine: s.startLine,
    endLine: s.endLine,
    heading: s.heading,
    folder: multiRoot ? s.folder : undefined,
    matches: s.matches,
  });
  return {
    verdict: answer.verdict,
    sources: answer.sources.map(view),
    nearest: (answer.nearest ?? []).map(view),
    citations: answer.citations,
    removedCitations: answer.removedCitations,
    provider: answer.provider,
    model: answer.model,
    styleModel: answer.styleModel,
    usage: answer.provider === 'offline' ? undefined : answer.usage,
    notes: answer.notes,
    markers: (answer.evidence ?? []).map((e) => ({
      n: e.n,
      grade: e.grade ?? 'supported',
      ...(e.betterSource ? { betterSource: e.betterSource } : {}),
    })),
  };
}

/**
 * A citation into a notebook opens the notebook editor at its cell, with the cited lines of that cell selected,
 * not the raw JSON. False when the lines are not in a cell (the JSON is then opened, as for any file).
 */
async function openInNotebook(uri: vscode.Uri, lines: { startLine: number; endLine: number }): Promise<boolean> {
  const raw = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const at = notebookCellAt(raw, lines.startLine, lines.endLine);
  if (!at) return false;
  const notebook = await vscode.workspace.openNotebookDocument(uri);
  if (at.cell >= notebook.cellCount) return false;
  const cells = new vscode.NotebookRange(at.cell, at.cell + 1);
  const editor = await vscode.window.showNotebookDocument(notebook, { selections: [cells], preview: true });
  editor.revealRange(cells, vscode.NotebookEditorRevealType.InCenterIfOutsideViewport);
  // A Markdown cell shows rendered until it is edited: open its editor so its lines can be selected.
  if (notebook.cellAt(at.cell).kind === vscode.NotebookCellKind.Markup) await vscode.commands.executeCommand('notebook.cell.edit');
  // The cell's own editor appears once the cell is rendered: select the cited lines in it then.
  const cell = notebook.cellAt(at.cell).document;
  for (let attempt = 0; attempt < 20; attempt++) {
    const cellEditor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === cell.uri.toString());
    if (cellEditor) {
      const last = Math.min(at.endLine, cell.lineCount - 1);
      const range = new vscode.Range(Math.min(at.startLine, last), 0, last, cell.lineAt(last).text.length);
      cellEditor.selection = new vscode.Selection(range.start, range.end);
      cellEditor.revealRange(range);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/**
 * Opens an answer for the team to rewrite as it would say it; "Keep Example" checks the rewrite against the citation
 * lock and keeps it in `.groundwork/style/examples.jsonl`, or says why it was refused (the document stays open).
 */
async function editIntoHouseStyle(question: string, draft: string, model: string | undefined): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder) return;
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: draft });
  await vscode.window.showTextDocument(document);
  for (;;) {
    const choice = await vscode.window.showInformationMessage(
      'Rewrite the answer as your team would say it (keep every [n], number, code and link), then keep it as a house-style example.',
      'Keep Example',
    );
    if (choice !== 'Keep Example' || document.isClosed) return;
    const refused = await keepEditedExample(folder.uri.fsPath, {
      question,
      draft,
      approved: document.getText().trim(),
      model,
      createdAt: new Date().toISOString(),
    });
    if (!refused) {
      void vscode.window.showInformationMessage('Groundwork: kept as a house-style example in .groundwork/style/examples.jsonl.');
      return;
    }
    void vscode.window.showWarningMessage(`Groundwork: not kept, the rewrite breaks the citation lock: ${refused}.`);
  }
}

/** The passage around cited lines, shown lighter than the selection: the context the evidence came from. */
const passageDecoration = vscode.window.createTextEditorDecorationType({
  isWholeLine: true,
  backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
});

/**
 * Opens the file of a source with its lines selected and revealed: the lines that support the cited sentence when
 * they are known (`evidence`), with the whole passage marked around them; otherwise the passage.
 */
export async function openSource(
  source: Pick<Source, 'root' | 'path' | 'startLine' | 'endLine'>,
  evidence?: Pick<Evidence, 'startLine' | 'endLine'>,
): Promise<void> {
  const uri = sourceUri(source);
  if (!uri) return;
  try {
    if (uri.path.endsWith('.ipynb') && (await openInNotebook(uri, evidence ?? source))) return;
    const document = await vscode.workspace.openTextDocument(uri);
    const lines = (from: number, to: number) => {
      const last = Math.max(0, Math.min(to, document.lineCount) - 1);
      return new vscode.Range(Math.min(from - 1, last), 0, last, document.lineAt(last).text.length);
    };
    const passage = lines(source.startLine, source.endLine);
    const range = evidence ? lines(evidence.startLine, evidence.endLine) : passage;
    const editor = await vscode.window.showTextDocument(document, { selection: range, preview: true });
    editor.setDecorations(passageDecoration, evidence ? [passage] : []);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  } catch (error) {
    void vscode.window.showWarningMessage(`Groundwork: cannot open ${source.path}: ${(error as Error).message}`);
  }
}
