import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { type DocFolder, MAX_LINES, parseReadInput, readDocLines } from '../core/docsTools/readDocLines';
import { MAX_K, parseSearchInput, passagesAsText, toPassage, ToolInputError } from '../core/docsTools/searchDocs';
import type { FollowedIndex } from './followedIndex';

export const SEARCH_DOCS_DESCRIPTION =
  "Search this project's own documentation (guides, READMEs, API docs, conventions) and get the passages that answer a " +
  'question, each with the file path and line range to cite. Use it before answering questions about how this ' +
  'project works, is configured, deployed or used; cite the passages you rely on by path and lines.';
export const READ_DOC_DESCRIPTION =
  'Read exact lines of a documentation file of this project, for example to see more around a passage search_docs ' +
  `returned. Paths are relative to the docs folder; at most ${MAX_LINES} lines at a time.`;

const passageShape = {
  citation: z.string(),
  path: z.string(),
  startLine: z.number(),
  endLine: z.number(),
  headingPath: z.array(z.string()),
  text: z.string(),
  score: z.number(),
};

/**
 * The docs as MCP tools over one folder's index: `search_docs`, `read_doc` and `index_status`, read-only. The
 * same retrieval as every other surface; nothing here writes outside the index.
 */
export function createDocsServer(index: FollowedIndex, folder: DocFolder, version: string): McpServer {
  const server = new McpServer({ name: 'groundwork', version }, { capabilities: { logging: {} } });
  const refuse = (error: unknown) => {
    if (!(error instanceof ToolInputError)) throw error;
    return { isError: true, content: [{ type: 'text' as const, text: error.message }] };
  };

  server.registerTool(
    'search_docs',
    {
      title: 'Search the docs',
      description: SEARCH_DOCS_DESCRIPTION,
      inputSchema: {
        query: z.string().describe('The question or the words to look for'),
        k: z.number().int().min(1).max(MAX_K).optional().describe('How many passages (default 5)'),
        pathGlob: z.string().optional().describe('Only files matching this glob, e.g. "guides/**"'),
      },
      outputSchema: { query: z.string(), passages: z.array(z.object(passageShape)) },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      try {
        const input = parseSearchInput(args);
        const results = await index.current.search(input.query, { k: input.k, pathGlobs: input.pathGlob ? [input.pathGlob] : undefined });
        const passages = results.map(toPassage);
        return {
          content: [{ type: 'text' as const, text: passagesAsText(input.query, passages) }],
          structuredContent: { query: input.query, passages },
        };
      } catch (error) {
        return refuse(error);
      }
    },
  );

  server.registerTool(
    'read_doc',
    {
      title: 'Read doc lines',
      description: READ_DOC_DESCRIPTION,
      inputSchema: {
        path: z.string().describe('File path relative to the docs folder, as search_docs returns it'),
        startLine: z.number().int().min(1).optional().describe('First line, 1-based (default 1)'),
        endLine: z.number().int().min(1).optional().describe('Last line, inclusive'),
      },
      outputSchema: {
        citation: z.string(),
        path: z.string(),
        startLine: z.number(),
        endLine: z.number(),
        totalLines: z.number(),
        text: z.string(),
        note: z.string().optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      try {
        const lines = await readDocLines([folder], parseReadInput(args));
        const text = `${lines.citation} (of ${lines.totalLines} lines)${lines.note ? ` ${lines.note}` : ''}\n<doc>\n${lines.text}\n</doc>`;
        return { content: [{ type: 'text' as const, text }], structuredContent: { ...lines } };
      } catch (error) {
        return refuse(error);
      }
    },
  );

  server.registerTool(
    'index_status',
    {
      title: 'Index status',
      description: 'What the docs index holds: files, chunks, skipped files with reasons, and any problem found with it.',
      outputSchema: {
        root: z.string(),
        files: z.number(),
        chunks: z.number(),
        embedder: z.string(),
        updatedAt: z.string(),
        writer: z.boolean(),
        indexing: z.boolean(),
        skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
        problems: z.array(z.string()),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async () => {
      const status = await index.current.status();
      const summary = {
        root: status.root,
        files: status.files,
        chunks: status.chunks,
        embedder: status.embedder,
        updatedAt: status.updatedAt,
        writer: index.writable,
        indexing: index.updating !== undefined,
        skipped: status.skipped,
        problems: status.problems,
      };
      const text =
        `${summary.files} files, ${summary.chunks} chunks indexed from ${summary.root} (updated ${summary.updatedAt}` +
        `${summary.indexing ? ', indexing now' : ''}); ${summary.skipped.length} skipped` +
        (summary.problems.length ? `; problems: ${summary.problems.join(' ')}` : '');
      return { content: [{ type: 'text' as const, text }], structuredContent: summary };
    },
  );
  return server;
}
