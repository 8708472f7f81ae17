import { promises as fs } from 'node:fs';
import { type EvalQuery, scoreRun } from '../../core/eval/metrics';
import { resolvePathGlobs } from '../../core/docsTools/pathGlobs';
import { ToolInputError } from '../../core/docsTools/searchDocs';
import type { DocsIndex } from '../../core/indexing/docsIndex';
import { judge } from '../../core/retrieval/judgement';
import { DEFAULT_RERANK_TIMEOUT_MS, rerankNote, rerankResults } from '../../core/rerank/reranker';
import { type AnswerSetup, chatModelOf, rerankSetup } from '../../core/setup/answerSetup';
import type { SearchResult } from '../../core/types';
import { UsageError, positiveInt } from '../options';
import { formatResults, matchesOf, toJsonResult } from '../output';
import { cliAnswerEnv, type Command, type CommandContext, openIndex, updateIndex } from './context';

/** Checked arguments, kept from `check` to `run`. */
const planned = new WeakMap<CommandContext, { queries?: EvalQuery[]; rerank: AnswerSetup['rerank']; k: number }>();

async function plan(context: CommandContext) {
  const { command, values, question } = context;
  if (command === 'eval' && !values.queries) throw new UsageError('eval needs --queries FILE.jsonl');
  if (command === 'search' && !values.queries && !question)
    throw new UsageError('search needs a question: groundwork search DIR "question"');
  const queries = values.queries ? await readQueries(values.queries as string) : undefined;
  planned.set(context, { queries, rerank: searchReranker(context), k: positiveInt(values.k as string | undefined, 'k') ?? 10 });
}

/** `groundwork search DIR "question"` (or `--queries`) and `groundwork eval DIR --queries`: passages, no model. */
export const searchCommand: Command = {
  check: plan,
  async run(context) {
    const { queries, rerank, k } = planned.get(context)!;
    const { values, io, question } = context;
    const index = await openIndex(context, 'read');
    try {
      const { indexState } = await updateIndex(index, context);
      // Folder names and globs as agents write them; one that matches no indexed file is an error, not "not covered".
      const filters = { k, pathGlobs: toolInput(() => resolvePathGlobs(values.filter as string[] | undefined, index.indexedFiles())) };
      const search = (text: string, searchFilters: typeof filters) => searchReranked(index, text, searchFilters, rerank, context);
      if (!queries) {
        const results = await search(question, filters);
        const judgement = judge(results, indexState, context.settings['answer.abstainThreshold']);
        if (values.json) {
          const withMatches = results.map((r) => ({ ...toJsonResult(r), matches: matchesOf(question, r) }));
          io.stdout(`${JSON.stringify({ query: question, ...judgement, results: withMatches })}\n`);
        } else io.stdout(formatResults(question, results, judgement));
        return 0;
      }
      const ranked = new Map<string, SearchResult[]>();
      const evaluating = context.command === 'eval';
      for (const query of queries)
        ranked.set(query.id, await search(query.question, evaluating ? { ...filters, k: Math.max(k, 50) } : filters));
      if (!evaluating) {
        for (const query of queries) io.stdout(`${JSON.stringify({ id: query.id, results: ranked.get(query.id)!.map(toJsonResult) })}\n`);
        return 0;
      }
      const scores = scoreRun(queries, ranked);
      io.stdout(
        values.json
          ? `${JSON.stringify(scores)}\n`
          : `${Object.entries(scores)
              .map(([key, value]) => `${key}=${value}`)
              .join(' ')}\n`,
      );
      return 0;
    } finally {
      await index.close();
    }
  },
};

async function searchReranked(
  index: DocsIndex,
  question: string,
  filters: { k: number; pathGlobs?: string[] },
  rerank: AnswerSetup['rerank'],
  { io }: CommandContext,
): Promise<SearchResult[]> {
  const results = await index.search(question, filters);
  if (!rerank) return results;
  const reranked = await rerankResults(question, results, rerank.reranker, {
    candidates: rerank.candidates ?? 20,
    timeoutMs: DEFAULT_RERANK_TIMEOUT_MS,
  });
  if (reranked.problem) io.stderr(`note: ${rerankNote(reranked.problem)}\n`);
  return reranked.results;
}

/** `search` and `eval` have no answering model: `--rerank model` scores with the chat model the flags name. */
function searchReranker({ settings, io }: CommandContext): AnswerSetup['rerank'] {
  if (settings['retrieval.rerank'] === 'off') return undefined;
  const env = cliAnswerEnv(io);
  const chat = settings['retrieval.rerank'] === 'model' ? chatModelOf(settings, env) : undefined;
  try {
    return rerankSetup(settings, env, chat, []);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
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

/** A tool-input mistake (a bad filter) is a usage error: exit 2 with its message. */
function toolInput<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ToolInputError) throw new UsageError(error.message);
    throw error;
  }
}
