import * as vscode from 'vscode';
import { readSourceLines } from '../core/discovery/sourceLines';
import type { Answer, ChatTurn, Source } from '../core/answer/types';
import type { Remedies } from '../core/providers/chatProvider';
import type { AnswerEnv } from '../core/setup/answerSetup';
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
    const { answerQuestion, answerSetup } = loadAnswers(this.context.extensionPath);
    const { notes, ...setup } = await answerSetup(settings, await this.environment(options.chatModel), options.abstainThreshold);
    const { files } = await this.index.counts();
    const answer = await answerQuestion({
      ...setup,
      question,
      searchQuery: options.searchQuery,
      history,
      search: (query, k) => this.index.search(query, { k }),
      searchedFiles: files,
      answerAnyway: options.answerAnyway,
      signal: options.signal,
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

  /** What the settings cannot say, as the editor knows it: the key in SecretStorage, trust, and VS Code's models. */
  private async environment(chatModel?: vscode.LanguageModelChat): Promise<AnswerEnv> {
    const lm = async () => (await import('./vscodeLmProvider')).VscodeLmProvider;
    return {
      apiKey: (await this.context.secrets.get(API_KEY_SECRET)) || undefined,
      trusted: vscode.workspace.isTrusted,
      remedies: EDITOR_REMEDIES,
      settingName: (key) => `the setting groundwork.${key}`,
      rerankRemedies: { url: 'the setting groundwork.retrieval.rerankUrl', model: 'the setting groundwork.model.provider' },
      pickedModel: chatModel ? new (await lm())(chatModel) : undefined,
      hostModel: async () => (await lm()).select(readSettings()['model.chatModel'] || undefined),
    };
  }
}

/** The location of a source on disk, in whichever workspace folder it came from. */
export function sourceUri(source: Pick<Source, 'root' | 'path'>): vscode.Uri | undefined {
  const root = source.root ? vscode.Uri.file(source.root) : vscode.workspace.workspaceFolders?.[0]?.uri;
  return root ? vscode.Uri.joinPath(root, ...source.path.split('/')) : undefined;
}
