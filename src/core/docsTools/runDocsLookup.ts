import type { IndexState } from '../retrieval/judgement';
import { type FileSecrets, redactPassages } from '../secrets/redactSecrets';
import type { SearchResult } from '../types';
import { fitPassages } from './runDocsSearch';
import { type DocsSearch, toPassage } from './searchDocs';
import { ToolInputError } from './toolInputError';
import { parseMaxTokens } from './tokenBudget';

export const MAX_LOOKUP_K = 10;

export interface LookupInput {
  identifier: string;
  k?: number;
  maxTokens?: number;
}

/** What a surface's index offers the lookup: the identifier lookup (`lookupIdentifier`) and its state. */
export interface LookableDocs {
  lookup(identifier: string, k: number): Promise<Array<SearchResult & { folder?: string }>> | Array<SearchResult & { folder?: string }>;
  indexState(): IndexState | Promise<IndexState>;
}

export function parseLookupInput(input: unknown): LookupInput {
  const value = (input ?? {}) as Record<string, unknown>;
  if (typeof value.identifier !== 'string' || !/^\s*[A-Za-z_~][\w.:>~-]*\s*$/.test(value.identifier))
    throw new ToolInputError('identifier must be a name as written in code, e.g. "TuneConfig", "num_gpus" or "CWnd::Create"');
  const k = value.k ?? 3;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_LOOKUP_K)
    throw new ToolInputError(`k must be an integer from 1 to ${MAX_LOOKUP_K}`);
  const maxTokens = parseMaxTokens(value.maxTokens);
  return { identifier: value.identifier.trim(), k, ...(maxTokens !== undefined ? { maxTokens } : {}) };
}

/**
 * `lookup_docs` and `#docLookup`: the passages that document a name, with the same result shape and judgement
 * as the docs search: covered when a passage holds the name as written (or defines it), not covered when none does.
 */
export async function runDocsLookup(
  docs: LookableDocs,
  input: LookupInput,
  options: { showFolders?: boolean; redactSecrets?: boolean; fileSecrets?: (path: string) => Promise<FileSecrets | undefined> } = {},
): Promise<DocsSearch> {
  const index = await docs.indexState();
  const results = await docs.lookup(input.identifier, input.k ?? 3);
  let passages = results.map((r) => toPassage(options.showFolders ? r : { ...r, folder: undefined }));
  let note: string | undefined;
  if (options.redactSecrets !== false) ({ passages, note } = await redactPassages(passages, options.fileSecrets));
  const covered = passages.length > 0;
  return {
    query: input.identifier,
    covered,
    coverage: covered ? 1 : 0,
    threshold: 1,
    index,
    passages: fitPassages(passages, input.maxTokens),
    ...(note ? { note } : {}),
  };
}
