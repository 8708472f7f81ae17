import * as vscode from 'vscode';
import { readSourceLines } from '../core/discovery/sourceLines';
import type { Answer, ChatTurn, Source } from '../core/answer/types';
import type { ChatProvider, Remedies } from '../core/providers/chatProvider';
import type { Settings } from '../core/settings';
import type { IndexService } from './indexService';
import { API_KEY_SECRET } from './apiKey';
import { loadAnswers } from './lazyModules';
import { readSettings } from './settings';

/** In the editor, a failure names the setting or command that fixes it. */
const EDITOR_REMEDIES: Remedies = {
  baseUrl: 'the setting groundwork.model.baseUrl',
  apiKey: 'run "Groundwork: Set API Key"',
  model: 'the setting groundwork.model.chatModel',
  timeout: 'the setting groundwork.answer.timeoutSeconds',
};

export interface AnswerCallbacks {
  onDelta: (text: string) => void;
  onReplace: (text: string) => void;
}

/** Connects the answer pipeline to the workspace: index, settings, the key in SecretStorage, and workspace trust. */
export class AnswerService {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly index: IndexService,
  ) {}

  async answer(
    question: string,
    history: ChatTurn[],
    options: {
      answerAnyway?: boolean;
      searchQuery?: string;
      abstainThreshold?: number;
      signal: AbortSignal;
      /** The model the user picked in VS Code's Chat view (`@groundwork`), instead of the configured provider. */
      chatModel?: vscode.LanguageModelChat;
      onSources?: (sources: Source[]) => void;
    } & AnswerCallbacks,
  ): Promise<Answer> {
    const settings = readSettings();
    const { answerQuestion } = loadAnswers(this.context.extensionPath);
    const { provider, style, notes } = await this.providers(settings, options.chatModel);
    const reranker = await this.reranker(settings, provider, notes);
    const { files } = await this.index.counts();
    const answer = await answerQuestion({
      question,
      searchQuery: options.searchQuery,
      history,
      search: (query, k) => this.index.search(query, { k }),
      searchedFiles: files,
      provider,
      style,
      rerank: reranker && { reranker, candidates: settings['retrieval.rerankCandidates'] },
      contextWindow: settings['model.contextWindowTokens'],
      maxSourceTokens: settings['answer.sourceBudgetTokens'],
      abstainThreshold: Math.min(options.abstainThreshold ?? 1, settings['answer.abstainThreshold']),
      answerAnyway: options.answerAnyway,
      redactSecrets: settings['privacy.redactSecrets'],
      signal: options.signal,
      timeoutMs: settings['answer.timeoutSeconds'] * 1000,
      remedies: EDITOR_REMEDIES,
      onDelta: options.onDelta,
      onReplace: options.onReplace,
      onSources: options.onSources,
      readFileLines: async (source) => {
        const root = source.root ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
        const followExternalSymlinks = settings['index.followExternalSymlinks'] && vscode.workspace.isTrusted;
        return root ? readSourceLines(root, source.path, { followExternalSymlinks }) : undefined;
      },
    });
    answer.notes.unshift(...notes);
    return answer;
  }

  /**
   * The configured reranker, when one is set and can work; otherwise none, with a note saying why. The model
   * reranker scores with the answering model; an endpoint gets the key only on the model's own server.
   */
  private async reranker(settings: Settings, provider: ChatProvider | undefined, notes: string[]) {
    if (settings['retrieval.rerank'] === 'off') return undefined;
    if (!vscode.workspace.isTrusted) {
      notes.push('This workspace is not trusted, so the passages were not sent to a reranker.');
      return undefined;
    }
    const endpoint = settings['retrieval.rerank'] === 'endpoint';
    try {
      return loadAnswers(this.context.extensionPath).createReranker(
        {
          kind: settings['retrieval.rerank'],
          provider,
          url: settings['retrieval.rerankUrl'] || undefined,
          model: settings['retrieval.rerankModel'] || undefined,
          apiKey: endpoint ? await this.context.secrets.get(API_KEY_SECRET) : undefined,
          modelBaseUrl: settings['model.baseUrl'] || undefined,
        },
        { url: 'the setting groundwork.retrieval.rerankUrl', model: 'the setting groundwork.model.provider' },
      );
    } catch (error) {
      notes.push(`Reranking was skipped: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** The configured model, or none (offline). Nothing leaves the machine from an untrusted workspace. */
  async providers(
    settings: Settings,
    chatModel?: vscode.LanguageModelChat,
  ): Promise<{ provider?: ChatProvider; style?: { provider: ChatProvider; mode: 'answer' | 'restyle' }; notes: string[] }> {
    const kind = settings['model.provider'];
    if (!chatModel && kind === 'offline') return { notes: [] };
    if (!vscode.workspace.isTrusted)
      return { notes: ['This workspace is not trusted, so nothing was sent to a model: offline extracts instead.'] };
    if (chatModel) {
      const { VscodeLmProvider } = await import('./vscodeLmProvider');
      const configured = kind === 'offline' || kind === 'vscode' ? undefined : await this.providers(settings);
      // The Chat view's model writes the grounded answer; the team's style model still restyles when configured.
      return { provider: new VscodeLmProvider(chatModel), style: configured?.style, notes: [] };
    }
    if (kind === 'vscode') {
      const { VscodeLmProvider } = await import('./vscodeLmProvider');
      return { provider: await VscodeLmProvider.select(settings['model.chatModel'] || undefined), notes: [] };
    }
    const apiKey = await this.context.secrets.get(API_KEY_SECRET);
    if (!apiKey && !settings['model.baseUrl']) {
      return {
        notes: ['No API key is set, so no model was asked: offline extracts instead. Run "Groundwork: Set API Key" to connect one.'],
      };
    }
    const { OpenAIProvider } = loadAnswers(this.context.extensionPath);
    const endpoint = (model: string) =>
      new OpenAIProvider({
        apiKey,
        baseURL: settings['model.baseUrl'] || undefined,
        model,
        organization: settings['model.organization'] || undefined,
        project: settings['model.project'] || undefined,
        azure: kind === 'azure' ? { deployment: model, apiVersion: settings['model.azureApiVersion'] } : undefined,
        remedies: kind === 'azure' ? { ...EDITOR_REMEDIES, model: 'the setting groundwork.model.azureDeployment' } : EDITOR_REMEDIES,
      });
    const model = kind === 'azure' ? settings['model.azureDeployment'] || settings['model.chatModel'] : settings['model.chatModel'];
    const provider = endpoint(model);
    const styleModel = settings['style.model'];
    const mode = settings['style.mode'];
    const style = styleModel && mode !== 'off' ? { provider: endpoint(styleModel), mode } : undefined;
    return { provider, style, notes: [] };
  }
}

/** The location of a source on disk, in whichever workspace folder it came from. */
export function sourceUri(source: Pick<Source, 'root' | 'path'>): vscode.Uri | undefined {
  const root = source.root ? vscode.Uri.file(source.root) : vscode.workspace.workspaceFolders?.[0]?.uri;
  return root ? vscode.Uri.joinPath(root, ...source.path.split('/')) : undefined;
}
