/**
 * Every user setting, in one table: its default, what it does, its values, and the command-line flag that sets it
 * (`--source-budget` is `answer.sourceBudgetTokens`). The extension manifest declares the same keys, defaults and
 * values, and a test checks the two agree; the CLI's flags and the defaults its help prints come from here; the
 * setup (`core/setup`) turns a whole `Settings` into the core's index, answer, style and rerank set-up.
 */
interface Spec<T> {
  default: T;
  description: string;
  /** Allowed values (an enum in the manifest). */
  values?: readonly string[];
  /** The CLI flag, without `--`; absent for editor-only settings. */
  flag?: string;
  /** The values the flag takes when the CLI allows fewer than the editor (no `vscode` model outside VS Code). */
  flagValues?: readonly string[];
  /** A whole number from 1, or a fraction from 0 to 1. */
  numeric?: 'count' | 'fraction';
  /** A boolean set by a flag that says the opposite (`--keep-secrets` turns redaction off). */
  negatedBy?: string;
}

const spec = <T>(s: Spec<T>) => s;

export const SETTINGS = {
  'index.include': spec({ default: [] as string[], description: 'only index matching files (repeatable)', flag: 'include' }),
  'index.exclude': spec({ default: [] as string[], description: 'never index matching files (repeatable)', flag: 'exclude' }),
  'index.maxFileSizeKB': spec({ default: 2048, description: 'skip larger files, in KB', flag: 'max-file-size-kb', numeric: 'count' }),
  'index.followExternalSymlinks': spec({ default: false, description: 'follow links that point outside the folder' }),
  'index.embedder': spec({
    default: 'offline' as 'offline' | 'openai',
    description: 'offline (no network) or openai',
    values: ['offline', 'openai'],
    flag: 'embedder',
  }),
  'index.embeddingModel': spec({ default: 'text-embedding-3-small', description: 'with --embedder openai', flag: 'embedding-model' }),
  'model.provider': spec({
    default: 'offline' as 'offline' | 'openai' | 'azure' | 'vscode',
    description: 'offline, openai (any OpenAI-compatible endpoint) or azure',
    values: ['offline', 'openai', 'azure', 'vscode'],
    flag: 'provider',
    flagValues: ['offline', 'openai', 'azure'],
  }),
  'model.baseUrl': spec({ default: '', description: 'an OpenAI-compatible endpoint', flag: 'base-url' }),
  'model.chatModel': spec({ default: 'gpt-4o-mini', description: 'the chat model, or the Azure deployment', flag: 'model' }),
  'model.organization': spec({ default: '', description: 'the OpenAI organization', flag: 'organization' }),
  'model.project': spec({ default: '', description: 'the OpenAI project', flag: 'project' }),
  'model.azureDeployment': spec({ default: '', description: 'the Azure deployment (else the chat model)' }),
  'model.azureApiVersion': spec({ default: '2024-10-21', description: 'the Azure OpenAI API version', flag: 'azure-api-version' }),
  'model.contextWindowTokens': spec({
    default: 128000,
    description: "the model's context window in tokens",
    flag: 'context-window',
    numeric: 'count',
  }),
  'style.model': spec({ default: '', description: "the team's fine-tuned model for house style", flag: 'style-model' }),
  'style.mode': spec({
    default: 'off' as 'off' | 'answer' | 'restyle',
    description: 'answer (the style model answers) or restyle (it rewrites the draft)',
    values: ['off', 'answer', 'restyle'],
    flag: 'style-mode',
  }),
  'style.minFaithfulness': spec({ default: 0.95, description: 'the share of rewrites a style model must keep whole', numeric: 'fraction' }),
  'answer.sourceBudgetTokens': spec({
    default: 4000,
    description: 'most tokens of sources per question',
    flag: 'source-budget',
    numeric: 'count',
  }),
  'answer.abstainThreshold': spec({
    default: 0.2,
    description: "below this coverage, say the docs don't cover it (above it, the judgement weighs more of the search)",
    flag: 'abstain-threshold',
    numeric: 'fraction',
  }),
  'answer.timeoutSeconds': spec({
    default: 60,
    description: 'longest wait for the whole answer, retries included',
    flag: 'timeout',
    numeric: 'count',
  }),
  'retrieval.rerank': spec({
    default: 'off' as 'off' | 'model' | 'endpoint',
    description: 'model (the chat model scores the passages) or endpoint (a /rerank endpoint)',
    values: ['off', 'model', 'endpoint'],
    flag: 'rerank',
  }),
  'retrieval.rerankUrl': spec({ default: '', description: 'the /rerank endpoint', flag: 'rerank-url' }),
  'retrieval.rerankModel': spec({ default: '', description: 'the model name sent to the endpoint', flag: 'rerank-model' }),
  'retrieval.rerankCandidates': spec({
    default: 20,
    description: 'how many of the best passages are scored',
    flag: 'rerank-candidates',
    numeric: 'count',
  }),
  'hover.enabled': spec({ default: true, description: 'hovers on names in code' }),
  'agents.offerMcpServer': spec({ default: false, description: 'offer MCP server definitions to VS Code' }),
  'privacy.redactSecrets': spec({
    default: true,
    description: 'redact secret-shaped strings in what leaves the machine',
    negatedBy: 'keep-secrets',
  }),
};

export type SettingKey = keyof typeof SETTINGS;
export type Settings = { -readonly [K in SettingKey]: (typeof SETTINGS)[K]['default'] };

/** Every setting's default. */
export const SETTING_DEFAULTS = Object.fromEntries(Object.entries(SETTINGS).map(([key, s]) => [key, s.default])) as Settings;

/** A whole `Settings`: the defaults, with what was given over them. */
export function withDefaults(given: Partial<Settings> = {}): Settings {
  return { ...structuredClone(SETTING_DEFAULTS), ...given };
}
