import * as vscode from 'vscode';
import { API_KEY_SECRET } from './apiKey';
import type { ChatView } from './chat/chatView';
import { openSource } from './chat/openSource';
import type { IndexService } from './indexService';
import { readSettings } from './settings';
import { explainQuestion } from '../core/answer/explainQuestion';
import { explainTargetOf } from './explainTarget';

/** The index status is shown as a read-only document of this scheme. */
const STATUS_SCHEME = 'groundwork-status';
let statusText = '';

/** Every command of the extension; each is a few lines that call into the services. */
export function registerCommands(context: vscode.ExtensionContext, index: IndexService, chat: ChatView): vscode.Disposable[] {
  const register = (id: string, run: (...args: any[]) => unknown) => vscode.commands.registerCommand(id, run);
  return [
    register('groundwork.ask', async (question?: unknown) => {
      if (typeof question === 'string' && question.trim()) return chat.ask(question.trim());
      await chat.reveal();
      chat.focusInput();
    }),
    register('groundwork.explainSelection', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) {
        void vscode.window.showInformationMessage('Groundwork: open a file and select the code or text to explain.');
        return;
      }
      const selection = editor.selection.isEmpty ? editor.document.lineAt(editor.selection.active.line).range : editor.selection;
      const text = editor.document.getText(selection).trim();
      if (!text) {
        void vscode.window.showInformationMessage('Groundwork: select the code or text to explain.');
        return;
      }
      const { question, ...options } = explainQuestion(explainTargetOf(editor.document, selection));
      await chat.ask(question, options);
    }),
    register('groundwork.newChat', () => chat.newChat()),
    register('groundwork.rebuildIndex', () => index.rebuildWithProgress()),
    register('groundwork.showIndexStatus', async () => {
      // A read-only document of its own scheme: closing it never asks to save a file nobody wrote.
      const uri = vscode.Uri.from({ scheme: STATUS_SCHEME, path: '/Groundwork index status.md', query: String(Date.now()) });
      statusText = `# Groundwork index\n\n${await index.describeStatus()}`;
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.languages.setTextDocumentLanguage(document, 'markdown');
      await vscode.window.showTextDocument(document, { preview: true });
    }),
    vscode.workspace.registerTextDocumentContentProvider(STATUS_SCHEME, { provideTextDocumentContent: () => statusText }),
    register('groundwork.setApiKey', async () => {
      const key = await vscode.window.showInputBox({
        title: 'Groundwork: API key',
        prompt: 'Key for the OpenAI-compatible endpoint. Stored in VS Code SecretStorage only, never in settings or logs.',
        password: true,
        ignoreFocusOut: true,
      });
      if (!key?.trim()) return;
      await context.secrets.store(API_KEY_SECRET, key.trim());
      if (readSettings()['model.provider'] === 'offline') {
        await vscode.workspace.getConfiguration('groundwork').update('model.provider', 'openai', vscode.ConfigurationTarget.Global);
      }
      void vscode.window.showInformationMessage('Groundwork: API key saved. Answers now come from the configured model.');
    }),
    register('groundwork.clearApiKey', async () => {
      await context.secrets.delete(API_KEY_SECRET);
      void vscode.window.showInformationMessage('Groundwork: API key removed.');
    }),
    register('groundwork.selectModel', () => selectModel()),
    register('groundwork.trainHouseStyle', async () => (await import('./style/trainHouseStyle')).trainHouseStyle(context)),
    register('groundwork.openLocation', (location: unknown) => {
      const l = location as { root?: unknown; path?: unknown; startLine?: unknown; endLine?: unknown } | undefined;
      if (typeof l?.path !== 'string' || !Number.isInteger(l.startLine) || !Number.isInteger(l.endLine)) return;
      return openSource({
        root: typeof l.root === 'string' ? l.root : undefined,
        path: l.path,
        startLine: l.startLine as number,
        endLine: l.endLine as number,
      });
    }),
  ];
}

async function selectModel(): Promise<void> {
  const config = vscode.workspace.getConfiguration('groundwork');
  const settings = readSettings();
  const provider = settings['model.provider'];
  type Item = vscode.QuickPickItem & { apply?: () => Thenable<void> | Promise<void> };
  // The current choice is marked, so the picker also answers "what am I using now?".
  const mark = (current: boolean, label: string) => (current ? `$(check) ${label}` : label);
  const items: Item[] = [
    {
      label: mark(provider === 'offline', 'Offline'),
      description: 'cited extracts from your docs; no key, no network',
      apply: () => config.update('model.provider', 'offline', vscode.ConfigurationTarget.Global),
    },
    {
      label: mark(provider === 'openai' || provider === 'azure', 'OpenAI-compatible endpoint…'),
      description:
        provider === 'openai' || provider === 'azure'
          ? `now: ${settings['model.chatModel']} at ${settings['model.baseUrl'] || 'api.openai.com'}`
          : 'OpenAI, Ollama, LM Studio, vLLM',
      apply: async () => {
        const baseUrl = await vscode.window.showInputBox({
          title: 'Base URL (empty for OpenAI)',
          value: config.get<string>('model.baseUrl') ?? '',
        });
        if (baseUrl === undefined) return;
        const model = await vscode.window.showInputBox({ title: 'Chat model', value: config.get<string>('model.chatModel') ?? '' });
        if (!model) return;
        await config.update('model.baseUrl', baseUrl.trim(), vscode.ConfigurationTarget.Global);
        await config.update('model.chatModel', model.trim(), vscode.ConfigurationTarget.Global);
        await config.update('model.provider', 'openai', vscode.ConfigurationTarget.Global);
      },
    },
    { label: "VS Code's models", kind: vscode.QuickPickItemKind.Separator },
  ];
  let models: vscode.LanguageModelChat[] = [];
  try {
    models = await vscode.lm.selectChatModels({});
  } catch {
    // No Language Model API provider: said below.
  }
  for (const model of models) {
    items.push({
      label: mark(provider === 'vscode' && settings['model.chatModel'] === model.id, model.name),
      description: `${model.vendor} · ${model.id}`,
      apply: async () => {
        await config.update('model.chatModel', model.id, vscode.ConfigurationTarget.Global);
        await config.update('model.provider', 'vscode', vscode.ConfigurationTarget.Global);
      },
    });
  }
  if (!models.length)
    items.push({ label: '$(info) None available', description: 'install and sign in to a model provider such as GitHub Copilot' });
  const picked = await vscode.window.showQuickPick(items, { title: 'Groundwork: who writes answers?' });
  await picked?.apply?.();
}
