import { MAX_LINES } from './readDocLines';
import { MAX_LOOKUP_K } from './runDocsLookup';
import { DEFAULT_SECTION_TOKENS } from './readSection';
import { DEFAULT_K, MAX_K } from './searchDocs';
import { MIN_TOOL_TOKENS } from './tokenBudget';

/** A JSON Schema for a tool's input, as VS Code's `package.json` and MCP's `tools/list` both carry it. */
export interface ToolInputSchema {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
}

/**
 * One docs tool, declared once: the MCP server, the editor's language model tools and the check of `package.json`
 * are all derived from this (names, descriptions, input schema and its limits).
 */
export interface DocsToolDeclaration {
  /** The MCP tool's name. */
  mcpName: string;
  /** The language model tool's name in VS Code (`package.json`'s `languageModelTools`), when the editor offers it. */
  editorName?: string;
  /** What a user types in VS Code's chat (`#docs`). */
  referenceName?: string;
  title: string;
  /** What the model reads to decide when to call it. */
  description: string;
  inputSchema: ToolInputSchema;
}

const budget = {
  type: 'integer',
  minimum: MIN_TOOL_TOKENS,
  description: 'The most tokens of text to return; the text is cut at a whole line and says where to read on',
};

export const SEARCH_TOOL: DocsToolDeclaration = {
  mcpName: 'search_docs',
  editorName: 'groundwork_searchDocs',
  referenceName: 'docs',
  title: 'Search the docs',
  description:
    "Search this project's own documentation (guides, READMEs, API docs, conventions) and get the passages that answer a " +
    'question, each with the file path and line range to cite and the whole section it is in. Use it before answering ' +
    'questions about how this project works, is configured, deployed or used. The result says whether the docs cover ' +
    'the question (covered) and whether the index is still being built: when covered is false, tell the user the docs ' +
    'do not cover it instead of answering from the nearest passages. Cite what you use as path:start-end.',
  inputSchema: {
    type: 'object',
    properties: {
      query: { type: 'string', description: 'The question or the words to look for' },
      k: { type: 'integer', minimum: 1, maximum: MAX_K, description: `How many passages (default ${DEFAULT_K})` },
      pathGlob: {
        anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
        description: 'Only files under this folder or matching this glob, relative to the docs folder: "train", "guides/**"; or a list',
      },
      maxTokens: budget,
    },
    required: ['query'],
  },
};

export const READ_TOOL: DocsToolDeclaration = {
  mcpName: 'read_doc',
  editorName: 'groundwork_readDocLines',
  referenceName: 'docLines',
  title: 'Read doc lines',
  description:
    'Read exact lines of a documentation file of this project, for example around a passage search_docs returned. ' +
    `Paths are relative to the docs folder; at most ${MAX_LINES} lines at a time. A notebook is read as its cells ` +
    '(markdown, and code marked as such), each with its cell number.',
  inputSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', description: 'File path relative to the docs folder, as search results give it' },
      startLine: { type: 'integer', minimum: 1, description: 'First line, 1-based (default 1)' },
      endLine: { type: 'integer', minimum: 1, description: `Last line, inclusive (at most ${MAX_LINES} lines at once)` },
      maxTokens: budget,
    },
    required: ['path'],
  },
};

export const SECTION_TOOL: DocsToolDeclaration = {
  mcpName: 'read_section',
  editorName: 'groundwork_readDocSection',
  referenceName: 'docSection',
  title: 'Read a whole section',
  description:
    'Read the whole section of a documentation file that a citation points into (its subsections included), or the ' +
    `section with an anchor, with its own citation. Capped at ${DEFAULT_SECTION_TOKENS} tokens unless maxTokens says otherwise.`,
  inputSchema: {
    type: 'object',
    properties: {
      citation: { type: 'string', description: 'A citation as search results give it, "path:start-end"' },
      path: { type: 'string', description: 'Or: the file path relative to the docs folder, with line or anchor' },
      line: { type: 'integer', minimum: 1, description: 'A line inside the section' },
      anchor: { type: 'string', description: "The section's anchor, as search results give it" },
      maxTokens: budget,
    },
  },
};

export const LOOKUP_TOOL: DocsToolDeclaration = {
  mcpName: 'lookup_docs',
  editorName: 'groundwork_lookupDocs',
  referenceName: 'docLookup',
  title: 'Look up a name from code',
  description:
    "Find where this project's documentation documents a name from code (a class, function, parameter or option: " +
    '`TuneConfig`, `num_gpus`, `tune.Tuner`, `CWnd::Create`), best first: passages that define it before ones that ' +
    'mention it, each with the path and lines to cite. covered is false when the docs do not document the name.',
  inputSchema: {
    type: 'object',
    properties: {
      identifier: { type: 'string', description: 'The name as written in code, qualified or not' },
      k: { type: 'integer', minimum: 1, maximum: MAX_LOOKUP_K, description: 'How many passages (default 3)' },
      maxTokens: budget,
    },
    required: ['identifier'],
  },
};

export const STATUS_TOOL: DocsToolDeclaration = {
  mcpName: 'index_status',
  title: 'Index status',
  description: 'What the docs index holds: files, chunks, skipped files with reasons, and any problem found with it.',
  inputSchema: { type: 'object', properties: {} },
};

/** Every docs tool, in the order a client lists them. */
export const DOCS_TOOLS = [SEARCH_TOOL, LOOKUP_TOOL, READ_TOOL, SECTION_TOOL, STATUS_TOOL];
