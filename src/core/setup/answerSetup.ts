import type { AnswerRequest } from '../answer/answerQuestion';
import type { ChatProvider, Remedies } from '../providers/chatProvider';
import { OpenAIProvider } from '../providers/openaiProvider';
import { createReranker } from '../rerank/createReranker';
import type { Settings } from '../settings';
import { capitalized } from '../text/capitalized';

/** What the settings cannot say, from the surface that asks: the key, trust, how to name fixes, host models. */
export interface AnswerEnv {
  /** The model API key (SecretStorage in the editor, `OPENAI_API_KEY` in the CLI). */
  apiKey?: string;
  /** Nothing leaves the machine from an untrusted workspace (the CLI and MCP server are always trusted). */
  trusted: boolean;
  /** How messages name what the user can change where they are (settings and commands, or flags). */
  remedies: Remedies;
  /** Where the settings are named in messages: `the setting groundwork.` or `--`. */
  settingName: (key: keyof Settings) => string;
  /** Where a reranker's missing URL or model is set (a setting, or flags). */
  rerankRemedies: { url: string; model: string };
  /** A configuration that cannot work is an error (the CLI: exit 2) rather than a note beside the answer. */
  strict?: boolean;
  /** The model the user picked in VS Code's Chat view (`@groundwork`): it answers; house style still applies. */
  pickedModel?: ChatProvider;
  /** For `model.provider: vscode`: a model VS Code provides. */
  hostModel?: () => Promise<ChatProvider>;
}

/** The answer set-up every surface gets from the same settings: who answers, who restyles, who reranks, and limits. */
export interface AnswerSetup extends Pick<
  AnswerRequest,
  'provider' | 'style' | 'rerank' | 'contextWindow' | 'sourceBudgetTokens' | 'abstainThreshold' | 'redactSecrets' | 'timeoutMs' | 'remedies'
> {
  /** Why something configured is not used (no key, an untrusted workspace, a reranker that cannot work). */
  notes: string[];
}

/**
 * Settings become the answer pipeline's set-up here, for the panel, `@groundwork`, the CLI and the benchmarks alike.
 * `abstainAtMost` lowers the threshold for one request (Explain Selection's looser search), never raises it.
 */
export async function answerSetup(settings: Settings, env: AnswerEnv, abstainAtMost?: number): Promise<AnswerSetup> {
  const notes: string[] = [];
  const { provider, style } = await models(settings, env, notes);
  const rerank = rerankSetup(settings, env, provider, notes);
  return {
    provider,
    style,
    rerank,
    contextWindow: settings['model.contextWindowTokens'],
    sourceBudgetTokens: settings['answer.sourceBudgetTokens'],
    abstainThreshold: Math.min(abstainAtMost ?? 1, settings['answer.abstainThreshold']),
    redactSecrets: settings['privacy.redactSecrets'],
    timeoutMs: settings['answer.timeoutSeconds'] * 1000,
    remedies: env.remedies,
    notes,
  };
}

/** The chat model that answers and the team's style model, or none (offline), with a note when one is withheld. */
async function models(
  settings: Settings,
  env: AnswerEnv,
  notes: string[],
): Promise<{ provider?: ChatProvider; style?: { provider: ChatProvider; mode: 'answer' | 'restyle' } }> {
  const kind = settings['model.provider'];
  if (!env.pickedModel && kind === 'offline') return {};
  if (!env.trusted) {
    notes.push('This workspace is not trusted, so nothing was sent to a model: offline extracts instead.');
    return {};
  }
  const canCallEndpoint = kind === 'openai' || kind === 'azure' ? Boolean(env.apiKey || settings['model.baseUrl']) : false;
  const endpoint = (model: string) => chatEndpoint(settings, env, model);
  const mode = settings['style.mode'];
  const style =
    canCallEndpoint && settings['style.model'] && mode !== 'off' ? { provider: endpoint(settings['style.model']), mode } : undefined;
  // The Chat view's model writes the grounded answer; the team's style model still restyles when configured.
  if (env.pickedModel) return { provider: env.pickedModel, style };
  if (kind === 'vscode') return env.hostModel ? { provider: await env.hostModel() } : {};
  if (!canCallEndpoint) {
    notes.push(`No API key is set, so no model was asked: offline extracts instead. ${capitalized(env.remedies.apiKey)} to connect one.`);
    return {};
  }
  return { provider: chatModelOf(settings, env), style };
}

/** The configured chat model on its OpenAI-compatible or Azure endpoint (`search --rerank model` scores with it). */
export function chatModelOf(settings: Settings, env: Pick<AnswerEnv, 'apiKey' | 'remedies' | 'settingName'>): ChatProvider {
  const azure = settings['model.provider'] === 'azure';
  return chatEndpoint(
    settings,
    env,
    azure ? settings['model.azureDeployment'] || settings['model.chatModel'] : settings['model.chatModel'],
  );
}

function chatEndpoint(settings: Settings, env: Pick<AnswerEnv, 'apiKey' | 'remedies' | 'settingName'>, model: string): OpenAIProvider {
  const azure = settings['model.provider'] === 'azure';
  return new OpenAIProvider({
    apiKey: env.apiKey,
    baseURL: settings['model.baseUrl'] || undefined,
    model,
    organization: settings['model.organization'] || undefined,
    project: settings['model.project'] || undefined,
    azure: azure ? { deployment: model, apiVersion: settings['model.azureApiVersion'] } : undefined,
    remedies: azure ? { ...env.remedies, model: env.settingName('model.azureDeployment') } : env.remedies,
  });
}

/**
 * The configured reranker, when one is set and can work; otherwise none, with a note saying why. The model
 * reranker scores with the answering model; an endpoint gets the key only on the model's own server.
 */
export function rerankSetup(
  settings: Settings,
  env: AnswerEnv,
  provider: ChatProvider | undefined,
  notes: string[],
): AnswerSetup['rerank'] {
  const kind = settings['retrieval.rerank'];
  if (kind === 'off') return undefined;
  if (!env.trusted) {
    notes.push('This workspace is not trusted, so the passages were not sent to a reranker.');
    return undefined;
  }
  try {
    const reranker = createReranker(
      {
        kind,
        provider,
        url: settings['retrieval.rerankUrl'] || undefined,
        model: settings['retrieval.rerankModel'] || undefined,
        apiKey: kind === 'endpoint' ? env.apiKey : undefined,
        modelBaseUrl: settings['model.baseUrl'] || undefined,
      },
      env.rerankRemedies,
    );
    return reranker && { reranker, candidates: settings['retrieval.rerankCandidates'] };
  } catch (error) {
    if (env.strict) throw error;
    notes.push(`Reranking was skipped: ${(error as Error).message}`);
    return undefined;
  }
}
