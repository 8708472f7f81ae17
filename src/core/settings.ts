/**
 * Every user setting with its default, in one place. The extension manifest declares the same keys and
 * defaults; a test checks the two agree.
 */
export const SETTING_DEFAULTS = {
  'index.include': [] as string[],
  'index.exclude': [] as string[],
  'index.maxFileSizeKB': 2048,
  'index.followExternalSymlinks': false,
  'index.embedder': 'offline' as 'offline' | 'openai',
  'index.embeddingModel': 'text-embedding-3-small',
  'model.provider': 'offline' as 'offline' | 'openai' | 'azure' | 'vscode',
  'model.baseUrl': '',
  'model.chatModel': 'gpt-4o-mini',
  'model.organization': '',
  'model.project': '',
  'model.azureDeployment': '',
  'model.azureApiVersion': '2024-10-21',
  'model.contextWindowTokens': 128000,
  'style.model': '',
  'style.mode': 'off' as 'off' | 'answer' | 'restyle',
  'style.minFaithfulness': 0.95,
  'answer.sourceBudgetTokens': 4000,
  'answer.abstainThreshold': 0.35,
  'answer.timeoutSeconds': 60,
  'retrieval.rerank': 'off' as 'off' | 'model' | 'endpoint',
  'retrieval.rerankUrl': '',
  'retrieval.rerankModel': '',
  'retrieval.rerankCandidates': 20,
  'hover.enabled': true,
  'agents.offerMcpServer': false,
  'privacy.redactSecrets': true,
};

export type SettingKey = keyof typeof SETTING_DEFAULTS;
export type Settings = { -readonly [K in SettingKey]: (typeof SETTING_DEFAULTS)[K] };
