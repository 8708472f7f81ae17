import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { type DocFolder, fileSecretsIn, parseReadInput, readDocLines } from '../core/docsTools/readDocLines';
import { parseSectionInput, readSection } from '../core/docsTools/readSection';
import { runDocsSearch } from '../core/docsTools/runDocsSearch';
import { docsSearchAsText, parseSearchInput, ToolInputError } from '../core/docsTools/searchDocs';
import {
  type DocsToolDeclaration,
  LOOKUP_TOOL,
  READ_TOOL,
  SEARCH_TOOL,
  SECTION_TOOL,
  STATUS_TOOL,
} from '../core/docsTools/toolDeclarations';
import { parseLookupInput, runDocsLookup } from '../core/docsTools/runDocsLookup';
import { docLinesAsText, docSectionAsText } from '../core/docsTools/toolText';
import type { FollowedIndex } from './followedIndex';
import { serverInstructions, tableOfContents } from './serverGuide';

const passageShape = z.object({
  citation: z.string(),
  path: z.string(),
  startLine: z.number(),
  endLine: z.number(),
  headingPath: z.array(z.string()),
  anchor: z.string(),
  text: z.string(),
  score: z.number(),
  section: z.object({ citation: z.string(), startLine: z.number(), endLine: z.number() }).optional(),
  note: z.string().optional(),
});

const linesShape = {
  citation: z.string(),
  path: z.string(),
  startLine: z.number(),
  endLine: z.number(),
  totalLines: z.number(),
  text: z.string(),
  cells: z.array(z.object({ cell: z.number(), kind: z.string(), startLine: z.number(), endLine: z.number() })).optional(),
  note: z.string().optional(),
};

/** The judgement every surface gives with its passages (see `judge` in the core). */
const judgementShape = {
  covered: z.boolean().describe('Whether the docs cover the query; when false, say so instead of answering from the passages'),
  coverage: z.number().describe('How much of the query the best passage covers, 0 to 1'),
  threshold: z.number().describe('The coverage below which the docs are never taken to cover a query'),
  reason: z.string().optional().describe('Why the docs do not appear to cover the query, when they do not'),
  index: z
    .object({ state: z.enum(['ready', 'building', 'stale']), filesDone: z.number().optional(), filesTotal: z.number().optional() })
    .describe('building: results come from a partial index; stale: changed files are being indexed again'),
};

const READ_ONLY = { readOnlyHint: true, openWorldHint: false };

/**
 * Searches run one after another, in the order they came: a search is mostly computation, and interleaved at its
 * awaits with twenty others (the secret scan, a file's stamp), one that waits for the thread pool falls behind
 * every request that arrives meanwhile. In turn, none waits longer than the searches before it.
 */
let searches: Promise<unknown> = Promise.resolve();
function inTurn<T>(work: () => Promise<T>): Promise<T> {
  const turn = searches.then(work, work);
  searches = turn.catch(() => undefined);
  return turn;
}

/** A tool's declared input schema as the SDK validates it: derived once, never written twice. */
const inputSchemas = new Map<DocsToolDeclaration, z.ZodObject>();
const inputOf = (tool: DocsToolDeclaration) => {
  let schema = inputSchemas.get(tool);
  if (!schema) inputSchemas.set(tool, (schema = z.fromJSONSchema(tool.inputSchema as never) as z.ZodObject));
  return schema;
};

/**
 * The docs as MCP tools over one folder's index (`search_docs`, `lookup_docs`, `read_doc`, `read_section`,
 * `index_status`) and as
 * resources (a table of contents, each doc by URI), read-only. The same retrieval and judgement as every surface.
 */
export function createDocsServer(
  index: FollowedIndex,
  folder: DocFolder,
  version: string,
  // Shared by every server of the process (HTTP makes one per request): each file is scanned once while unchanged.
  fileSecrets = fileSecretsIn([folder]),
): McpServer {
  const server = new McpServer(
    { name: 'groundwork', version },
    { capabilities: { logging: {} }, instructions: serverInstructions(index.current, folder.root) },
  );
  const refuse = (error: unknown) => {
    if (!(error instanceof ToolInputError)) throw error;
    return { isError: true, content: [{ type: 'text' as const, text: error.message }] };
  };
  const tool = (
    declaration: DocsToolDeclaration,
    outputSchema: z.ZodRawShape,
    run: (args: unknown) => Promise<{ text: string; structured: object }>,
  ) =>
    server.registerTool(
      declaration.mcpName,
      {
        title: declaration.title,
        description: declaration.description,
        inputSchema: inputOf(declaration),
        outputSchema,
        annotations: READ_ONLY,
      },
      async (args: unknown) => {
        try {
          const { text, structured } = await run(args);
          return { content: [{ type: 'text' as const, text }], structuredContent: { ...structured } };
        } catch (error) {
          return refuse(error);
        }
      },
    );

  tool(
    SEARCH_TOOL,
    { query: z.string(), ...judgementShape, passages: z.array(passageShape), note: z.string().optional() },
    async (args) => {
      // In turn only while a search is computation alone: behind a remote embedder, each would wait on the network.
      const turns = index.current.searchesLocally ? inTurn : undefined;
      const search = await runDocsSearch(index, parseSearchInput(args), {
        redactSecrets: folder.redactSecrets,
        fileSecrets,
        inTurn: turns,
      });
      return { text: docsSearchAsText(search), structured: search };
    },
  );
  tool(
    LOOKUP_TOOL,
    { query: z.string(), ...judgementShape, passages: z.array(passageShape), note: z.string().optional() },
    async (args) => {
      const lookup = await runDocsLookup(
        { lookup: (identifier, k) => index.current.lookup(identifier, k).map((hit) => hit.result), indexState: () => index.indexState() },
        parseLookupInput(args),
        { redactSecrets: folder.redactSecrets, fileSecrets },
      );
      return { text: docsSearchAsText(lookup), structured: lookup };
    },
  );
  tool(READ_TOOL, linesShape, async (args) => {
    const lines = await readDocLines([folder], parseReadInput(args));
    return { text: docLinesAsText(lines), structured: lines };
  });
  tool(SECTION_TOOL, { ...linesShape, headingPath: z.array(z.string()), anchor: z.string() }, async (args) => {
    const section = await readSection([folder], parseSectionInput(args));
    return { text: docSectionAsText(section), structured: section };
  });
  tool(STATUS_TOOL, statusShape, () => indexStatus(index));
  registerResources(server, index, folder);
  return server;
}

const statusShape = {
  root: z.string(),
  files: z.number(),
  chunks: z.number(),
  embedder: z.string(),
  updatedAt: z.string(),
  writer: z.boolean(),
  readOnly: z.string().optional(),
  indexing: z.boolean(),
  index: judgementShape.index,
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
  problems: z.array(z.string()),
};

/** `index_status`: what is indexed, whether this server writes it, and whether it is being updated. */
async function indexStatus(index: FollowedIndex): Promise<{ text: string; structured: object }> {
  const status = await index.current.status();
  const summary = {
    root: status.root,
    files: status.files,
    chunks: status.chunks,
    embedder: status.embedder,
    updatedAt: status.updatedAt,
    writer: index.writable,
    ...(status.readOnly ? { readOnly: status.readOnly } : {}),
    indexing: index.updating !== undefined,
    index: index.indexState(),
    skipped: status.skipped,
    problems: status.problems,
  };
  const text =
    `${summary.files} files, ${summary.chunks} chunks indexed from ${summary.root} (updated ${summary.updatedAt}` +
    `${summary.indexing ? ', indexing now' : ''}); ${summary.skipped.length} skipped` +
    (status.readOnly ? `; read-only index (${status.readOnly}): searched as it is, not updated` : '') +
    (summary.problems.length ? `; problems: ${summary.problems.join(' ')}` : '');
  return { text, structured: summary };
}

/** The table of contents and each doc by URI, read under the same rules as `read_doc`. */
function registerResources(server: McpServer, index: FollowedIndex, folder: DocFolder): void {
  server.registerResource(
    'toc',
    'groundwork://toc',
    { title: 'Table of contents', description: 'Every indexed doc with its headings', mimeType: 'text/markdown' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: tableOfContents(index.current) }] }),
  );
  server.registerResource(
    'doc',
    new ResourceTemplate('groundwork://doc/{+path}', {
      list: async () => ({
        resources: index.current
          .indexedFiles()
          .map((path) => ({ uri: `groundwork://doc/${encodeURI(path)}`, name: path, mimeType: 'text/plain' })),
      }),
    }),
    { title: 'A doc', description: 'One documentation file, read under the same rules as read_doc', mimeType: 'text/plain' },
    async (uri, variables) => {
      const path = decodeURI(String(variables.path));
      const lines = await readDocLines([folder], { path, startLine: 1, endLine: Number.MAX_SAFE_INTEGER });
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: docLinesAsText(lines) }] };
    },
  );
}
