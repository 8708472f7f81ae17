import * as vscode from 'vscode';
import type { ChatTurn, Source } from '../../core/answer/types';
import { type ChatSink, replyInChat, type ReplyCommand, type ReplyMetadata } from '../../core/chatReply/replyInChat';
import { recordFeedback } from '../../core/style/feedbackLog';
import { type AnswerService, sourceUri } from '../answerService';
import { explainTargetOf } from '../explainTarget';
import type { IndexService } from '../indexService';
import { readSettings } from '../settings';

export const PARTICIPANT_ID = 'groundwork.docs';

/** A source's exact lines (or some of them) as a VS Code location. */
function locationOf(source: Source, lines: { startLine: number; endLine: number } = source): vscode.Location | undefined {
  const uri = sourceUri(source);
  return uri && new vscode.Location(uri, new vscode.Range(lines.startLine - 1, 0, lines.endLine - 1, Number.MAX_SAFE_INTEGER));
}

/** The response stream as a chat sink: anchors and references point at the lines. */
export function streamSink(stream: vscode.ChatResponseStream): ChatSink {
  return {
    markdown: (text) => stream.markdown(text),
    anchor: (source, title, lines) => {
      const location = locationOf(source, lines);
      if (location) stream.anchor(location, title);
      else stream.markdown(title);
    },
    reference: (source) => {
      const location = locationOf(source);
      if (location) stream.reference(location);
    },
    progress: (message) => stream.progress(message),
  };
}

/** Earlier turns with @groundwork, as the answer pipeline's history. */
function historyOf(context: vscode.ChatContext): ChatTurn[] {
  const turns: ChatTurn[] = [];
  for (const turn of context.history) {
    if (turn instanceof vscode.ChatRequestTurn) turns.push({ role: 'user', content: turn.prompt });
    else if (turn instanceof vscode.ChatResponseTurn) {
      const text = turn.response
        .map((part) => (part instanceof vscode.ChatResponseMarkdownPart ? part.value.value : ''))
        .join('')
        .trim();
      if (text) turns.push({ role: 'assistant', content: text });
    }
  }
  return turns;
}

/** The handler of `@groundwork`, exported for the extension-host tests (which drive it with a recording stream). */
export function participantHandler(answers: AnswerService, index: IndexService): vscode.ChatRequestHandler {
  return async (request, context, stream, token) => {
    const controller = new AbortController();
    const cancelled = token.onCancellationRequested(() => controller.abort());
    try {
      const command = (['explain', 'search', 'anyway'] as const).find((c) => c === request.command) as ReplyCommand | undefined;
      const editor = vscode.window.activeTextEditor;
      const explain =
        command === 'explain' && editor
          ? explainTargetOf(editor.document, editor.selection.isEmpty ? fullRange(editor.document) : editor.selection)
          : undefined;
      const settings = readSettings();
      // A house-style rewrite replaces the draft at the end, which a chat stream cannot take back: no streaming then.
      const streaming = !(settings['style.mode'] === 'restyle' && settings['style.model']);
      const chatModel = (request as { model?: vscode.LanguageModelChat }).model;
      const metadata = await replyInChat(
        { prompt: request.prompt, command, explain, history: historyOf(context), streaming, signal: controller.signal },
        {
          answer: ({ question, history, onDelta, ...rest }) =>
            answers.answer(question, history, { ...rest, chatModel, onDelta, onReplace: () => {} }),
          search: (query, k) => index.search(query, { k }),
          abstainThreshold: settings['answer.abstainThreshold'],
        },
        streamSink(stream),
      );
      return { metadata };
    } catch (error) {
      if (controller.signal.aborted) return { metadata: { question: request.prompt } };
      return { errorDetails: { message: (error as Error).message }, metadata: { question: request.prompt } };
    } finally {
      cancelled.dispose();
    }
  };
}

function fullRange(document: vscode.TextDocument): vscode.Range {
  return new vscode.Range(0, 0, document.lineCount, 0);
}

/**
 * `@groundwork` in VS Code's Chat view, where this VS Code has chat participants. Feedback on an answer is kept in
 * the workspace for house style (`.groundwork/style/`).
 */
export function registerChatParticipant(
  context: vscode.ExtensionContext,
  answers: AnswerService,
  index: IndexService,
): vscode.Disposable[] {
  if (!('chat' in vscode) || typeof vscode.chat?.createChatParticipant !== 'function') return [];
  const participant = vscode.chat.createChatParticipant(PARTICIPANT_ID, participantHandler(answers, index));
  participant.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.png');
  participant.followupProvider = {
    provideFollowups: (result) => {
      const metadata = result.metadata as ReplyMetadata | undefined;
      if (!metadata?.canAnswerAnyway) return [];
      return [{ prompt: metadata.question, label: 'Answer anyway from the closest sections', command: 'anyway' }];
    },
  };
  const feedback = participant.onDidReceiveFeedback((event) => {
    const metadata = event.result.metadata as ReplyMetadata | undefined;
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
    if (!metadata?.answer || !metadata.verdict || !folder) return;
    void recordFeedback(folder.uri.fsPath, {
      question: metadata.question,
      answer: metadata.answer,
      verdict: metadata.verdict,
      helpful: event.kind === vscode.ChatResultFeedbackKind.Helpful,
      model: metadata.model,
      surface: 'chat',
      createdAt: new Date().toISOString(),
    }).catch((error) => void vscode.window.showWarningMessage(`Groundwork could not record the feedback: ${(error as Error).message}`));
  });
  return [participant, feedback];
}
