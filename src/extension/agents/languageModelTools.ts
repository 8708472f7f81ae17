import * as vscode from 'vscode';
import { type DocFolder, parseReadInput, readDocLines } from '../../core/docsTools/readDocLines';
import { parseSearchInput, passagesAsText, type SearchDocsInput, toPassage, ToolInputError } from '../../core/docsTools/searchDocs';
import type { IndexService } from '../indexService';
import { readSettings } from '../settings';
import { newerLm, textToolResult } from './newerApi';

export const SEARCH_TOOL = 'groundwork_searchDocs';
export const READ_TOOL = 'groundwork_readDocLines';

const UNTRUSTED =
  'This workspace is not trusted, so Groundwork does not hand its documents to a model. Trust the workspace to use the docs tools.';

/** The workspace folders the docs tools read, under the same rules as the index. */
export function docFolders(): DocFolder[] {
  const settings = readSettings();
  return (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === 'file')
    .map((f) => ({
      root: f.uri.fsPath,
      name: f.name,
      discovery: {
        include: settings['index.include'],
        exclude: settings['index.exclude'],
        followExternalSymlinks: settings['index.followExternalSymlinks'] && vscode.workspace.isTrusted,
      },
    }));
}

/**
 * `#docs` for agent mode: the docs search and exact lines, as language model tools (VS Code 1.95 and later). Both
 * only read the workspace; no confirmation is asked. Nothing is returned in an untrusted workspace.
 */
export function registerLanguageModelTools(index: IndexService): vscode.Disposable[] {
  const lm = newerLm();
  if (!lm.registerTool || textToolResult('') === undefined) return [];
  const answer = async (run: () => Promise<string>) => {
    if (!vscode.workspace.isTrusted) return textToolResult(UNTRUSTED);
    try {
      return textToolResult(await run());
    } catch (error) {
      // The agent reads the reason and can correct its input; an exception would only say the tool failed.
      if (error instanceof ToolInputError) return textToolResult(`Cannot do that: ${error.message}.`);
      throw error;
    }
  };
  return [
    lm.registerTool<SearchDocsInput>(SEARCH_TOOL, {
      prepareInvocation: ({ input }) => ({ invocationMessage: `Searching the docs for "${String(input?.query ?? '')}"` }),
      invoke: ({ input }) =>
        answer(async () => {
          const query = parseSearchInput(input);
          const results = await index.search(query.query, { k: query.k, pathGlobs: query.pathGlob ? [query.pathGlob] : undefined });
          const several = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
          const passages = results.map((r) => toPassage(several ? r : { ...r, folder: undefined }));
          return passagesAsText(query.query, passages);
        }),
    }),
    lm.registerTool<unknown>(READ_TOOL, {
      prepareInvocation: ({ input }) => ({
        invocationMessage: `Reading ${String((input as { path?: unknown })?.path ?? 'a doc')}`,
      }),
      invoke: ({ input }) =>
        answer(async () => {
          const lines = await readDocLines(docFolders(), parseReadInput(input));
          const where = lines.folder ? `${lines.folder}/${lines.citation}` : lines.citation;
          return `${where} (of ${lines.totalLines} lines)${lines.note ? ` ${lines.note}` : ''}\n<doc>\n${lines.text}\n</doc>`;
        }),
    }),
  ];
}
