import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DocsIndex, type UpdateSummary } from '../core/indexing/docsIndex';
import { DEFAULT_MAX_FILE_BYTES } from '../core/discovery/readLimits';
import { createEmbedder, type EmbedderKind } from '../core/embedding/createEmbedder';
import { type EvalQuery, scoreRun } from '../core/eval/metrics';
import { defaultIndexDir } from '../core/indexLocation';
import { bundledChunkWorker } from '../core/indexing/fileProcessor';
import { readSourceLines } from '../core/discovery/sourceLines';
import type { SearchResult } from '../core/types';
import { answerQuestion, DEFAULT_ABSTAIN_THRESHOLD } from '../core/answer/answerQuestion';
import { resolvePathGlobs } from '../core/docsTools/pathGlobs';
import { ToolInputError } from '../core/docsTools/searchDocs';
import { INDEX_READY, type IndexState, judge } from '../core/retrieval/judgement';
import { type ChatProvider, ProviderError } from '../core/providers/chatProvider';
import { createReranker } from '../core/rerank/createReranker';
import { DEFAULT_RERANK_TIMEOUT_MS, rerankNote, rerankResults } from '../core/rerank/reranker';
import { CLI_REMEDIES, type CliIo } from './io';
import { OpenAIProvider } from '../core/providers/openaiProvider';
import { SETTING_DEFAULTS } from '../core/settings';
import { IndexBusyError, IndexReadOnlyError } from '../core/store/indexLock';
import { oneLine, terminalSafe } from '../core/text/terminalText';
import { formatResults, formatStatus, formatSummary, matchesOf, toJsonResult } from './output';

/** How long `index` waits for another process that is writing the same index before giving up. */
const INDEX_LOCK_WAIT_MS = 60_000;

const USAGE = `usage: groundwork <command> DIR [options]

commands:
  index DIR [--verify]            index (or update the index of) the docs in DIR; --verify also checks every
                                  stored chunk against the lines of its file and re-indexes any that disagree
  status DIR                      files indexed, skipped files with reasons, embedder, chunks, size on disk
  search DIR "question"           ranked passages; --queries FILE.jsonl for a batch (one JSON line per query)
  eval DIR --queries FILE.jsonl   nDCG@10, R@1, R@5, R@10, MRR@10 and sec5 on labelled questions
  ask DIR "question"              a grounded answer with numbered sources (indexes DIR first when needed)
  style COMMAND                    house style: dataset, train, status, cancel, eval (groundwork style --help)
  mcp DIR [--http PORT]           an MCP server over DIR's index (tools search_docs, read_doc, read_section,
                                  index_status) on stdio, or streamable HTTP on 127.0.0.1:PORT (--host to bind
                                  elsewhere; then GROUNDWORK_MCP_TOKEN is required, and clients send it as a bearer
                                  token; --allow-origin URL lets a browser page of that origin in)

options:
  --index DIR          where the index lives (default: a folder under ~/.cache/groundwork)
  --embedder NAME      offline (default, no network) or openai
  --embedding-model M  with --embedder openai (default text-embedding-3-small); key from OPENAI_API_KEY
  --base-url URL       OpenAI-compatible endpoint
  --dimensions N       embedding dimensions
  --include GLOB       only index matching files (repeatable)
  --exclude GLOB       never index matching files (repeatable)
  --max-file-bytes N   skip larger files (default ${DEFAULT_MAX_FILE_BYTES})
  --filter GLOB        search only matching paths (repeatable)
  --k N                results per query (default 10)
  --json               machine-readable output on stdout
  --keep-secrets       send secret-shaped strings in the docs as they are (default: redacted in prompts,
                       reranking, remote embeddings and MCP tool results)

ask options (the key comes from OPENAI_API_KEY; with no key and no --base-url, the answer is an offline extract):
  --provider NAME      offline, openai (any OpenAI-compatible endpoint) or azure
  --model M            chat model (default gpt-4o-mini), or the Azure deployment
  --azure-api-version V   Azure OpenAI API version (default 2024-10-21)
  --style-model M      the team's fine-tuned model for house style
  --style-mode MODE    answer (the style model answers) or restyle (it rewrites the draft; default)
  --context-window N   the model's context window in tokens (default 128000)
  --source-budget N    most tokens of sources per question (default 4000)
  --abstain-threshold X  below this coverage, say the docs don't cover it (default ${DEFAULT_ABSTAIN_THRESHOLD})
  --answer-anyway      ask the model even when retrieval is weak
  --timeout SECONDS    longest wait for the whole answer, retries included (default ${SETTING_DEFAULTS['answer.timeoutSeconds']});
                       Ctrl+C stops it sooner

reranking (ask, search, eval; off by default):
  --rerank MODE        model (the chat model of --model/--base-url scores the passages) or endpoint (a /rerank
                       endpoint: Text Embeddings Inference, vLLM, Infinity, Jina, Cohere-compatible)
  --rerank-url URL     the endpoint; OPENAI_API_KEY is sent to it only on the same server as --base-url
  --rerank-model M     model name sent to the endpoint
  --rerank-candidates N  how many of the best passages are scored (default ${SETTING_DEFAULTS['retrieval.rerankCandidates']})`;

export class UsageError extends Error {}

export async function runCli(argv: string[], rawIo: CliIo): Promise<number> {
  // `--k -1` is a bad value, not a missing one: join a negative number to its option so it is checked as a value.
  argv = argv.flatMap((arg, i) =>
    /^-\d/.test(arg) && argv[i - 1]?.startsWith('--') && !argv[i - 1].includes('=') ? [] : [joinNegative(argv, i)],
  );
  // Document text, file names and endpoint messages reach a terminal: no escape sequence or control character
  // from them does (JSON output escapes them itself).
  const json = argv.includes('--json');
  const io: CliIo = {
    env: rawIo.env,
    stdout: json ? rawIo.stdout : (text) => rawIo.stdout(terminalSafe(text)),
    stderr: (text) => rawIo.stderr(terminalSafe(text)),
  };
  if (argv[0] === 'style') {
    const { runStyleCli } = await import('./styleCommands');
    return runStyleCli(argv.slice(1), io);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        index: { type: 'string' },
        embedder: { type: 'string', default: 'offline' },
        'embedding-model': { type: 'string' },
        'base-url': { type: 'string' },
        dimensions: { type: 'string' },
        include: { type: 'string', multiple: true },
        exclude: { type: 'string', multiple: true },
        'max-file-bytes': { type: 'string' },
        filter: { type: 'string', multiple: true },
        k: { type: 'string' },
        queries: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        provider: { type: 'string' },
        model: { type: 'string' },
        'azure-api-version': { type: 'string' },
        'style-model': { type: 'string' },
        'style-mode': { type: 'string' },
        'context-window': { type: 'string' },
        'source-budget': { type: 'string' },
        'abstain-threshold': { type: 'string' },
        'answer-anyway': { type: 'boolean', default: false },
        timeout: { type: 'string' },
        verify: { type: 'boolean', default: false },
        http: { type: 'string' },
        host: { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        'keep-secrets': { type: 'boolean', default: false },
        rerank: { type: 'string' },
        'rerank-url': { type: 'string' },
        'rerank-model': { type: 'string' },
        'rerank-candidates': { type: 'string' },
      },
    });
  } catch (error) {
    io.stderr(`groundwork: ${(error as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, dir, ...rest] = positionals;
  if (values.help || !command) {
    (values.help ? io.stdout : io.stderr)(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  try {
    if (!['index', 'status', 'search', 'eval', 'ask', 'mcp'].includes(command)) throw new UsageError(`unknown command "${command}"`);
    if (!dir) throw new UsageError(`${command} needs a folder: groundwork ${command} DIR`);
    const root = path.resolve(dir);
    const stat = await fs.stat(root).catch(() => undefined);
    if (!stat?.isDirectory()) throw new UsageError(`${dir} is not a readable folder`);
    const k = positiveInt(values.k, 'k') ?? 10;
    // Every argument is checked before the index is opened or built: a typo costs no indexing.
    if (command === 'ask') planAsk(rest.join(' ').trim(), values, io);
    if (command === 'eval' && !values.queries) throw new UsageError('eval needs --queries FILE.jsonl');
    if (command === 'search' && !values.queries && !rest.join(' ').trim())
      throw new UsageError('search needs a question: groundwork search DIR "question"');
    const earlyQueries = values.queries ? await readQueries(values.queries) : undefined;
    if (values.rerank !== undefined) rerankOptions(values, io);
    if (!['offline', 'openai'].includes(String(values.embedder)))
      throw new UsageError(`--embedder must be offline or openai, got "${values.embedder}"`);
    const redactSecrets = !values['keep-secrets'];
    const embedder = createEmbedder({
      kind: values.embedder as EmbedderKind,
      baseURL: values['base-url'],
      apiKey: io.env.OPENAI_API_KEY,
      model: values['embedding-model'],
      dimensions: positiveInt(values.dimensions, 'dimensions'),
      redactSecrets,
    });
    if (command === 'mcp') {
      // An MCP client starts the server in whatever folder it likes (the home folder, often): a copied config with
      // "." must not index a whole home folder and hand it to an agent.
      if (root === os.homedir() || root === path.parse(root).root)
        throw new UsageError(
          `refusing to serve ${root} (your home folder or the file system's root): name the docs folder, for example ${path.join(root, 'project', 'docs')}`,
        );
      const { runMcpServer } = await import('../mcp/runMcpServer');
      return await runMcpServer({
        root,
        indexDir: values.index ? path.resolve(values.index) : defaultIndexDir(root, io.env),
        embedder,
        discovery: { include: values.include, exclude: values.exclude },
        maxFileBytes: positiveInt(values['max-file-bytes'], 'max-file-bytes'),
        redactSecrets,
        http:
          values.http === undefined
            ? undefined
            : {
                port: port(values.http),
                host: values.host ?? '127.0.0.1',
                token: io.env.GROUNDWORK_MCP_TOKEN || undefined,
                allowedOrigins: values['allow-origin'],
              },
        log: (message) => io.stderr(`${message}\n`),
      });
    }
    const index = await DocsIndex.open({
      root,
      indexDir: values.index ? path.resolve(values.index) : defaultIndexDir(root, io.env),
      embedder,
      discovery: { include: values.include, exclude: values.exclude },
      maxFileBytes: positiveInt(values['max-file-bytes'], 'max-file-bytes'),
      log: (message) => io.stderr(`${message}\n`),
      chunkWorker: bundledChunkWorker(),
      updateAfterOpen: command !== 'status',
      // status changes nothing on disk and checks every shard; index --verify also checks every chunk's lines.
      readOnly: command === 'status',
      verify: command === 'status' ? 'shards' : values.verify ? 'files' : undefined,
      lockWaitMs: command === 'index' ? Number(io.env.GROUNDWORK_LOCK_WAIT_MS ?? INDEX_LOCK_WAIT_MS) : 0,
    });

    // Closing writes the search snapshot when this run changed the index, so the next run opens fast.
    try {
      if (command === 'status') {
        const status = await index.status();
        if (values.json) io.stdout(`${JSON.stringify(status)}\n`);
        else io.stdout(formatStatus(status));
        return 0;
      }

      let summary: UpdateSummary | undefined;
      // Another writer (or a read-only index) means the files may have changed since the index was written.
      let indexState: IndexState = INDEX_READY;
      try {
        summary = await index.update({ progress: progressPrinter(io) });
      } catch (error) {
        indexState = { state: 'stale' };
        // Another process is writing: a question is answered from the index as it is; `index` itself fails.
        // A read-only index (a full disk, a folder shared read-only) is searched as it is, too.
        if (!(error instanceof IndexBusyError || error instanceof IndexReadOnlyError) || command === 'index') throw error;
      }
      if (command === 'index') {
        if (values.json) io.stdout(`${JSON.stringify(summary)}\n`);
        else io.stdout(formatSummary(summary!, index));
        return 0;
      }

      // Folder names and globs as agents write them; one that matches no indexed file is an error, not "not covered".
      const filters = { k, pathGlobs: toolInput(() => resolvePathGlobs(values.filter, index.indexedFiles())) };
      if (command === 'ask') return await ask(index, rest.join(' ').trim(), values, io);
      const rerank = rerankOptions(values, io);
      const search = async (question: string, searchFilters: typeof filters) => {
        const results = await index.search(question, searchFilters);
        if (!rerank) return results;
        const reranked = await rerankResults(question, results, rerank.reranker, {
          candidates: rerank.candidates,
          timeoutMs: DEFAULT_RERANK_TIMEOUT_MS,
        });
        if (reranked.problem) io.stderr(`note: ${rerankNote(reranked.problem)}\n`);
        return reranked.results;
      };
      if (command === 'search' && !values.queries) {
        const question = rest.join(' ').trim();
        if (!question) throw new UsageError('search needs a question: groundwork search DIR "question"');
        const results = await search(question, filters);
        const judgement = judge(results, indexState, abstainThreshold(values));
        if (values.json) {
          const withMatches = results.map((r) => ({ ...toJsonResult(r), matches: matchesOf(question, r) }));
          io.stdout(`${JSON.stringify({ query: question, ...judgement, results: withMatches })}\n`);
        } else io.stdout(formatResults(question, results, judgement));
        return 0;
      }

      if (!values.queries) throw new UsageError('eval needs --queries FILE.jsonl');
      const queries = earlyQueries ?? (await readQueries(values.queries));
      const ranked = new Map<string, SearchResult[]>();
      for (const query of queries)
        ranked.set(query.id, await search(query.question, command === 'eval' ? { ...filters, k: Math.max(k, 50) } : filters));
      if (command === 'search') {
        for (const query of queries) io.stdout(`${JSON.stringify({ id: query.id, results: ranked.get(query.id)!.map(toJsonResult) })}\n`);
        return 0;
      }
      const scores = scoreRun(queries, ranked);
      if (values.json) io.stdout(`${JSON.stringify(scores)}\n`);
      else
        io.stdout(
          `${Object.entries(scores)
            .map(([key, value]) => `${key}=${value}`)
            .join(' ')}\n`,
        );
      return 0;
    } finally {
      await index.close();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`groundwork: ${error.message}\n`);
      return 2;
    }
    io.stderr(`groundwork: ${(error as Error).message}\n`);
    // Stopped by Ctrl+C: the shell's convention for an interrupted command.
    return error instanceof ProviderError && error.kind === 'cancelled' ? 130 : 1;
  }
}

type Values = Record<string, string | boolean | string[] | undefined>;

/** Everything `ask` takes from its arguments, checked before any index work: a bad argument costs no build. */
function planAsk(question: string, values: Values, io: CliIo) {
  if (!question) throw new UsageError('ask needs a question: groundwork ask DIR "question"');
  const str = (name: string) => values[name] as string | undefined;
  const apiKey = io.env.OPENAI_API_KEY || undefined;
  const providerName = str('provider') ?? (apiKey || str('base-url') ? 'openai' : 'offline');
  if (!['offline', 'openai', 'azure'].includes(providerName))
    throw new UsageError(`--provider must be offline, openai or azure, got "${providerName}"`);
  const styleMode = str('style-mode') ?? 'restyle';
  if (!['answer', 'restyle'].includes(styleMode)) throw new UsageError(`--style-mode must be answer or restyle, got "${styleMode}"`);
  positiveInt(str('context-window'), 'context-window');
  positiveInt(str('source-budget'), 'source-budget');
  const baseUrl = str('base-url');
  if (baseUrl !== undefined && !/^https?:\/\/[^/\s]+/i.test(baseUrl))
    throw new UsageError(`--base-url must be an http(s) URL, got "${baseUrl}"`);
  return {
    providerName,
    styleMode: styleMode as 'answer' | 'restyle',
    threshold: abstainThreshold(values),
    timeoutSeconds: positiveInt(str('timeout'), 'timeout') ?? SETTING_DEFAULTS['answer.timeoutSeconds'],
  };
}

async function ask(index: DocsIndex, question: string, values: Values, io: CliIo): Promise<number> {
  const { providerName, styleMode, threshold, timeoutSeconds } = planAsk(question, values, io);
  const str = (name: string) => values[name] as string | undefined;
  const endpoint = (model: string) => chatEndpoint(values, io, providerName, model);
  const provider = providerName === 'offline' ? undefined : endpoint(str('model') ?? SETTING_DEFAULTS['model.chatModel']);
  const styleModel = str('style-model');
  const style = provider && styleModel ? { provider: endpoint(styleModel), mode: styleMode } : undefined;
  const rerank = rerankOptions(values, io, { provider });
  // A restyled answer replaces the draft, which a terminal cannot take back: print it once, at the end.
  const streaming = !values.json && style?.mode !== 'restyle';
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.once('SIGINT', onInterrupt);
  try {
    const answer = await answerQuestion({
      question,
      search: (query, k) => index.search(query, { k }),
      searchedFiles: index.fileCount,
      provider,
      style,
      rerank,
      contextWindow: positiveInt(str('context-window'), 'context-window'),
      maxSourceTokens: positiveInt(str('source-budget'), 'source-budget'),
      abstainThreshold: threshold,
      answerAnyway: Boolean(values['answer-anyway']),
      redactSecrets: !values['keep-secrets'],
      signal: controller.signal,
      readFileLines: (source) => readSourceLines(index.root, source.path),
      timeoutMs: timeoutSeconds * 1000,
      remedies: CLI_REMEDIES,
      onDelta: streaming ? (text) => io.stdout(text) : undefined,
    });
    if (values.json) {
      io.stdout(
        `${JSON.stringify({
          answer: answer.answer,
          verdict: answer.verdict,
          sources: answer.sources.map(({ n, path, startLine, endLine, heading, matches }) => ({
            n,
            path,
            startLine,
            endLine,
            heading,
            matches,
          })),
          citations: answer.citations,
          // For each [n] marker in order: the lines of source n that support the sentence it ends.
          evidence: answer.evidence ?? [],
          removedCitations: answer.removedCitations,
          provider: answer.provider,
          model: answer.model,
          ...(answer.styleModel ? { styleModel: answer.styleModel } : {}),
          usage: answer.usage,
          notes: answer.notes,
          nearest: answer.nearest?.map(({ path, startLine, endLine, heading, matches }) => ({
            path,
            startLine,
            endLine,
            heading,
            matches,
          })),
        })}\n`,
      );
      return 0;
    }
    if (!streaming) io.stdout(answer.answer);
    io.stdout('\n\n');
    const listed = answer.sources.length ? answer.sources : (answer.nearest ?? []);
    if (listed.length) {
      io.stdout(answer.sources.length ? 'Sources:\n' : 'Nearest sections:\n');
      for (const s of listed) {
        const support = [...new Set((answer.evidence ?? []).filter((e) => e.n === s.n && e.matched).map((e) => lineRange(e)))];
        // A cited source says where; a nearest section, which of the question's words brought it up.
        const cited = support.length ? `  (says it at ${support.join(', ')})` : '';
        const near = !answer.sources.length && s.matches?.length ? `  (matches ${s.matches.join(', ')})` : '';
        io.stdout(`[${s.n}] ${oneLine(s.path)}:${s.startLine}-${s.endLine}  ${oneLine(s.heading)}${cited}${oneLine(near)}\n`);
      }
    }
    const cost = answer.usage.estimatedCostUsd === undefined ? '' : ` · ~$${answer.usage.estimatedCostUsd.toFixed(4)}`;
    const tokens =
      answer.provider === 'offline' ? '' : ` · ${answer.usage.promptTokens} prompt + ${answer.usage.completionTokens} answer tokens${cost}`;
    io.stdout(
      `\n${answer.verdict}${tokens} · ${answer.provider}${answer.model ? ` ${answer.model}` : ''}${answer.styleModel ? ` + ${answer.styleModel}` : ''}\n`,
    );
    for (const note of answer.notes) io.stderr(`note: ${note}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** A chat model on an OpenAI-compatible or Azure endpoint, from the command line's options. */
function chatEndpoint(values: Values, io: CliIo, providerName: string, model: string): OpenAIProvider {
  const str = (name: string) => values[name] as string | undefined;
  return new OpenAIProvider({
    apiKey: io.env.OPENAI_API_KEY || undefined,
    baseURL: str('base-url'),
    model,
    remedies: CLI_REMEDIES,
    azure:
      providerName === 'azure'
        ? { deployment: model, apiVersion: str('azure-api-version') ?? SETTING_DEFAULTS['model.azureApiVersion'] }
        : undefined,
  });
}

/**
 * The reranker of `--rerank`, or undefined. `search` and `eval` have no answering model: `--rerank model` there
 * scores with the chat model of `--model` and `--base-url`.
 */
function rerankOptions(values: Values, io: CliIo, answering?: { provider?: ChatProvider }) {
  const str = (name: string) => values[name] as string | undefined;
  const kind = str('rerank');
  if (kind === undefined || kind === 'off') return undefined;
  if (kind !== 'model' && kind !== 'endpoint') throw new UsageError(`--rerank must be model or endpoint, got "${kind}"`);
  // `ask` scores with its answering model (none when offline); search and eval with the model the options name.
  const chat =
    kind !== 'model'
      ? undefined
      : answering
        ? answering.provider
        : chatEndpoint(values, io, str('provider') ?? 'openai', str('model') ?? SETTING_DEFAULTS['model.chatModel']);
  let reranker;
  try {
    reranker = createReranker(
      {
        kind,
        provider: chat,
        url: str('rerank-url'),
        model: str('rerank-model'),
        apiKey: io.env.OPENAI_API_KEY,
        modelBaseUrl: str('base-url'),
      },
      { url: '--rerank-url', model: '--model and --base-url' },
    );
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const candidates = positiveInt(str('rerank-candidates'), 'rerank-candidates') ?? SETTING_DEFAULTS['retrieval.rerankCandidates'];
  return reranker && { reranker, candidates };
}

function joinNegative(argv: string[], i: number): string {
  const next = argv[i + 1];
  return argv[i].startsWith('--') && !argv[i].includes('=') && next !== undefined && /^-\d/.test(next) ? `${argv[i]}=${next}` : argv[i];
}

function lineRange({ startLine, endLine }: { startLine: number; endLine: number }): string {
  return startLine === endLine ? `${startLine}` : `${startLine}-${endLine}`;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--http must be a port number, got "${value}"`);
  return n;
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive whole number, got "${value}"`);
  return n;
}

async function readQueries(file: string): Promise<EvalQuery[]> {
  let raw: string;
  try {
    raw = await fs.readFile(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read the queries file ${file}`);
  }
  return raw
    .split('\n')
    .filter((line) => line.trim())
    .map((line, i) => {
      try {
        const query = JSON.parse(line) as EvalQuery;
        if (typeof query.question !== 'string') throw new Error();
        query.id = String(query.id ?? i + 1);
        query.relevant ??= [];
        return query;
      } catch {
        throw new UsageError(`${file}:${i + 1} is not a JSON object with a "question"`);
      }
    });
}

/**
 * At most one line a second, each with a new count. An update with nothing to read (every file as the manifest
 * has it) prints nothing: a question asked of a current index should show only its answer.
 */
function progressPrinter(io: CliIo) {
  let lastTime = 0;
  let lastDone = -1;
  let reading = false;
  return ({ done, total }: { done: number; total: number }) => {
    if (!reading && done === total) return;
    reading = true;
    const now = Date.now();
    if (done === lastDone || (now - lastTime < 1000 && done !== total)) return;
    lastTime = now;
    lastDone = done;
    io.stderr(`indexing ${done}/${total} files\n`);
  };
}

function abstainThreshold(values: Values): number {
  const raw = values['abstain-threshold'] as string | undefined;
  const threshold = raw === undefined ? DEFAULT_ABSTAIN_THRESHOLD : Number(raw);
  if (!(threshold >= 0 && threshold <= 1)) throw new UsageError('--abstain-threshold must be between 0 and 1');
  return threshold;
}

/** A tool-input mistake (a bad filter) is a usage error: exit 2 with its message. */
function toolInput<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ToolInputError) throw new UsageError(error.message);
    throw error;
  }
}
