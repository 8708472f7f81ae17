import { DEFAULT_ABSTAIN_THRESHOLD, type IndexState, judge } from '../retrieval/judgement';
import type { SearchResult } from '../types';
import { resolvePathGlobs } from './pathGlobs';
import { type FileSecrets, redactPassages } from '../secrets/redactSecrets';
import { countTokens } from '../tokens';
import { citationOf, DEFAULT_K, type DocPassage, type DocsSearch, type SearchDocsInput, toPassage } from './searchDocs';
import { fitToTokens } from './tokenBudget';

/** What a surface's index offers the docs search: searching, its state, and (to check path filters) its files. */
export interface SearchableDocs {
  search(
    query: string,
    options: { k: number; pathGlobs?: string[]; withSections?: boolean },
  ): Promise<Array<SearchResult & { folder?: string }>>;
  indexState(): IndexState | Promise<IndexState>;
  /** The indexed paths, so that a filter matching none of them is an error rather than "not covered". */
  indexedPaths?(): readonly string[] | Promise<readonly string[]>;
  /** Resolves when the first build ends or after `ms`, whichever is first. */
  firstBuild?(ms: number): Promise<void>;
}

/** How long a search waits for a first build before answering from what is indexed so far (and saying so). */
export const FIRST_BUILD_WAIT_MS = 5000;

/**
 * The docs search every surface offers (`#docs`, MCP `search_docs`, `search --json`): the passages with the one
 * judgement on them. During the first build it waits a bounded time, then answers from what is indexed, saying so.
 */
export async function runDocsSearch(
  docs: SearchableDocs,
  input: SearchDocsInput,
  options: {
    threshold?: number;
    firstBuildWaitMs?: number;
    showFolders?: boolean;
    redactSecrets?: boolean;
    /** A file's secrets (see `fileSecretsIn`), so a passage holding part of one is redacted too. */
    fileSecrets?: (path: string) => Promise<FileSecrets | undefined>;
    /** Runs the search itself (not the wait for a first build) in turn with a server's other searches. */
    inTurn?: <T>(work: () => Promise<T>) => Promise<T>;
  } = {},
): Promise<DocsSearch> {
  let index = await docs.indexState();
  if (index.state === 'building' && docs.firstBuild) {
    await docs.firstBuild(options.firstBuildWaitMs ?? FIRST_BUILD_WAIT_MS);
    index = await docs.indexState();
  }
  // A filter is checked against the files only once they are all known: mid-build, a folder may not be reached yet.
  const paths = index.state === 'building' || !input.pathGlob ? undefined : await docs.indexedPaths?.();
  const pathGlobs = resolvePathGlobs(input.pathGlob, paths);
  const search = async (): Promise<DocsSearch> => {
    const results = await docs.search(input.query, { k: input.k ?? DEFAULT_K, pathGlobs, withSections: true });
    const judgement = judge(results, index, options.threshold ?? DEFAULT_ABSTAIN_THRESHOLD);
    let passages = results.map((r) => toPassage(options.showFolders ? r : { ...r, folder: undefined }));
    // What a tool returns reaches an agent: secret-shaped strings are redacted first, and the result says where.
    let note: string | undefined;
    if (options.redactSecrets !== false) ({ passages, note } = await redactPassages(passages, options.fileSecrets));
    return { query: input.query, ...judgement, passages: fitPassages(passages, input.maxTokens), ...(note ? { note } : {}) };
  };
  return options.inTurn ? options.inTurn(search) : search();
}

/**
 * The passages that fit `maxTokens` in rank order: the first that does not fit whole is cut at a line (its
 * citation ends there, and it says so), and none after it is returned.
 */
export function fitPassages(passages: DocPassage[], maxTokens: number | undefined): DocPassage[] {
  if (maxTokens === undefined) return passages;
  const out: DocPassage[] = [];
  let left = maxTokens;
  for (const passage of passages) {
    const lines = passage.text.split('\n');
    const fitted = fitToTokens(lines, left);
    if (!fitted.cut) {
      out.push(passage);
      left -= lines.reduce((sum, line) => sum + countTokens(line) + 1, 0);
      continue;
    }
    if (fitted.kept > 0) {
      const endLine = Math.min(passage.endLine, passage.startLine + fitted.kept - 1);
      out.push({
        ...passage,
        endLine,
        citation: citationOf({ path: passage.path, startLine: passage.startLine, endLine }),
        text: lines.slice(0, fitted.kept).join('\n'),
        note: `(cut at line ${endLine} to fit ${maxTokens} tokens; read_doc reads on)`,
      });
    }
    break;
  }
  return out;
}
