import * as vscode from 'vscode';
import { type DocFolder, fileSecretsIn, parseReadInput, readDocLines } from '../../core/docsTools/readDocLines';
import { parseSectionInput, readSection } from '../../core/docsTools/readSection';
import { runDocsSearch } from '../../core/docsTools/runDocsSearch';
import { docsSearchAsText, parseSearchInput, ToolInputError } from '../../core/docsTools/searchDocs';
import { MIN_TOOL_TOKENS } from '../../core/docsTools/tokenBudget';
import { type DocsToolDeclaration, LOOKUP_TOOL, READ_TOOL, SEARCH_TOOL, SECTION_TOOL } from '../../core/docsTools/toolDeclarations';
import { parseLookupInput, runDocsLookup } from '../../core/docsTools/runDocsLookup';
import { docLinesAsText, docSectionAsText } from '../../core/docsTools/toolText';
import type { IndexService } from '../indexService';
import { readSettings } from '../settings';
import { newerLm, textToolResult } from './newerApi';

const UNTRUSTED =
  'This workspace is not trusted, so Groundwork does not hand its documents to a model. Trust the workspace to use the docs tools.';

/** The workspace folders the docs tools read, under the same rules as the index. */
export function docFolders(): DocFolder[] {
  return (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === 'file')
    .map((f) => {
      // Each folder's own settings (a folder's .vscode/settings.json may exclude more than the workspace does).
      const settings = readSettings(f.uri);
      return {
        root: f.uri.fsPath,
        name: f.name,
        discovery: {
          include: settings['index.include'],
          exclude: settings['index.exclude'],
          followExternalSymlinks: settings['index.followExternalSymlinks'] && vscode.workspace.isTrusted,
        },
        maxFileBytes: settings['index.maxFileSizeKB'] * 1024,
        redactSecrets: settings['privacy.redactSecrets'],
      };
    });
}

type ToolRun = (input: unknown, maxTokens: number | undefined) => Promise<{ text: string; structured: object }>;

/**
 * `#docs`, `#docLines` and `#docSection` for agent mode: the docs tools as language model tools (VS Code 1.95 and
 * later), declared once in the core (`toolDeclarations`). They only read the workspace; no confirmation is asked.
 * Nothing is returned in an untrusted workspace. A caller's token budget caps the result.
 */
export function registerLanguageModelTools(index: IndexService): vscode.Disposable[] {
  const registerTool = newerLm().registerTool?.bind(vscode.lm);
  if (!registerTool || textToolResult('') === undefined) return [];
  const register = (declaration: DocsToolDeclaration, describe: (input: Record<string, unknown>) => string, run: ToolRun) =>
    registerTool<unknown>(declaration.editorName!, {
      prepareInvocation: ({ input }) => ({ invocationMessage: describe((input ?? {}) as Record<string, unknown>) }),
      invoke: async ({ input, tokenizationOptions }) => {
        if (!vscode.workspace.isTrusted) return textToolResult(UNTRUSTED);
        const asked = (input as { maxTokens?: unknown })?.maxTokens;
        const budget = tokenizationOptions?.tokenBudget;
        const maxTokens =
          budget === undefined ? undefined : Math.max(MIN_TOOL_TOKENS, Math.min(budget, typeof asked === 'number' ? asked : budget));
        try {
          const { text, structured } = await run(input, maxTokens);
          return textToolResult(text, structured);
        } catch (error) {
          // The agent reads the reason and can correct its input; an exception would only say the tool failed.
          if (error instanceof ToolInputError) return textToolResult(`Cannot do that: ${error.message}.`);
          throw error;
        }
      },
    });
  const withBudget = <T extends { maxTokens?: number }>(parsed: T, maxTokens: number | undefined): T =>
    maxTokens === undefined ? parsed : { ...parsed, maxTokens: Math.min(parsed.maxTokens ?? maxTokens, maxTokens) };
  return [
    register(
      SEARCH_TOOL,
      (input) => `Searching the docs for "${String(input.query ?? '')}"`,
      async (input, maxTokens) => {
        const showFolders = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
        const settings = readSettings();
        const search = await runDocsSearch(index.searchable(), withBudget(parseSearchInput(input), maxTokens), {
          threshold: settings['answer.abstainThreshold'],
          showFolders,
          redactSecrets: settings['privacy.redactSecrets'],
          fileSecrets: fileSecretsIn(docFolders()),
        });
        return { text: docsSearchAsText(search), structured: search };
      },
    ),
    register(
      LOOKUP_TOOL,
      (input) => `Looking up ${String(input.identifier ?? 'a name')} in the docs`,
      async (input, maxTokens) => {
        const settings = readSettings();
        const lookup = await runDocsLookup(
          { lookup: (identifier, k) => index.lookup(identifier, k), indexState: () => index.searchable().indexState() },
          withBudget(parseLookupInput(input), maxTokens),
          {
            showFolders: (vscode.workspace.workspaceFolders?.length ?? 0) > 1,
            redactSecrets: settings['privacy.redactSecrets'],
            fileSecrets: fileSecretsIn(docFolders()),
          },
        );
        return { text: docsSearchAsText(lookup), structured: lookup };
      },
    ),
    register(
      READ_TOOL,
      (input) => `Reading ${String(input.path ?? 'a doc')}`,
      async (input, maxTokens) => {
        const lines = await readDocLines(docFolders(), withBudget(parseReadInput(input), maxTokens));
        return { text: docLinesAsText(lines), structured: lines };
      },
    ),
    register(
      SECTION_TOOL,
      (input) => `Reading the section at ${String(input.citation ?? input.path ?? 'a doc')}`,
      async (input, maxTokens) => {
        const section = await readSection(docFolders(), withBudget(parseSectionInput(input), maxTokens));
        return { text: docSectionAsText(section), structured: section };
      },
    ),
  ];
}
