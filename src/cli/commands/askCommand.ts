import { answerQuestion } from '../../core/answer/answerQuestion';
import type { Answer } from '../../core/answer/types';
import { readSourceLines } from '../../core/discovery/sourceLines';
import { type AnswerSetup, answerSetup } from '../../core/setup/answerSetup';
import { oneLine } from '../../core/text/terminalText';
import type { CliIo } from '../io';
import { UsageError } from '../options';
import { cliAnswerEnv, type Command, type CommandContext, openIndex, updateIndex } from './context';
import { locationOf } from '../../shared/citationMarkers';

/** The set-up made from the flags in `check`, before any index work (a bad argument costs no build). */
const planned = new WeakMap<CommandContext, AnswerSetup>();

/** `groundwork ask DIR "question"`: a grounded answer with numbered sources; the same set-up as the editor's. */
export const askCommand: Command = {
  async check(context) {
    if (!context.question) throw new UsageError('ask needs a question: groundwork ask DIR "question"');
    try {
      planned.set(context, await answerSetup(context.settings, cliAnswerEnv(context.io)));
    } catch (error) {
      // A configuration that cannot work (a reranker with no model or URL) is the command line's mistake.
      throw new UsageError((error as Error).message);
    }
  },
  async run(context) {
    const { notes, ...setup } = planned.get(context)!;
    const { values, io } = context;
    const index = await openIndex(context, 'read');
    // A restyled answer replaces the draft, which a terminal cannot take back: print it once, at the end.
    const streaming = !values.json && setup.style?.mode !== 'restyle';
    const controller = new AbortController();
    const onInterrupt = () => controller.abort();
    process.once('SIGINT', onInterrupt);
    try {
      await updateIndex(index, context);
      const answer = await answerQuestion({
        ...setup,
        question: context.question,
        search: (query, k) => index.search(query, { k }),
        searchedFiles: index.fileCount,
        answerAnyway: Boolean(values['answer-anyway']),
        signal: controller.signal,
        readFileLines: (source) => readSourceLines(index.root, source.path),
        onDelta: streaming ? (text) => io.stdout(text) : undefined,
      });
      answer.notes.unshift(...notes);
      if (values.json) io.stdout(`${JSON.stringify(answerAsJson(answer))}\n`);
      else printAnswer(answer, streaming, io);
      return 0;
    } finally {
      process.off('SIGINT', onInterrupt);
      await index.close();
    }
  },
};

function answerAsJson(answer: Answer) {
  return {
    answer: answer.answer,
    verdict: answer.verdict,
    sources: answer.sources.map(({ n, path, startLine, endLine, heading, matches }) => ({ n, path, startLine, endLine, heading, matches })),
    citations: answer.citations,
    // For each [n] marker in order: the lines of source n that support the sentence it ends, and how well.
    evidence: answer.evidence ?? [],
    removedCitations: answer.removedCitations,
    provider: answer.provider,
    model: answer.model,
    ...(answer.styleModel ? { styleModel: answer.styleModel } : {}),
    usage: answer.usage,
    notes: answer.notes,
    nearest: answer.nearest?.map(({ path, startLine, endLine, heading, matches }) => ({ path, startLine, endLine, heading, matches })),
  };
}

function printAnswer(answer: Answer, streamed: boolean, io: CliIo): void {
  if (!streamed) io.stdout(answer.answer);
  io.stdout('\n\n');
  const listed = answer.sources.length ? answer.sources : (answer.nearest ?? []);
  if (listed.length) {
    io.stdout(answer.sources.length ? 'Sources:\n' : 'Nearest sections:\n');
    for (const s of listed) {
      const support = [...new Set((answer.evidence ?? []).filter((e) => e.n === s.n && e.matched).map((e) => lineRange(e)))];
      // A cited source says where; a nearest section, which of the question's words brought it up.
      const cited = support.length ? `  (says it at ${support.join(', ')})` : '';
      const near = !answer.sources.length && s.matches?.length ? `  (matches ${s.matches.join(', ')})` : '';
      io.stdout(`[${s.n}] ${oneLine(locationOf(s))}  ${oneLine(s.heading)}${cited}${oneLine(near)}\n`);
    }
  }
  const cost = answer.usage.estimatedCostUsd === undefined ? '' : ` · ~$${answer.usage.estimatedCostUsd.toFixed(4)}`;
  const tokens =
    answer.provider === 'offline' ? '' : ` · ${answer.usage.promptTokens} prompt + ${answer.usage.completionTokens} answer tokens${cost}`;
  const models = `${answer.provider}${answer.model ? ` ${answer.model}` : ''}${answer.styleModel ? ` + ${answer.styleModel}` : ''}`;
  io.stdout(`\n${answer.verdict}${tokens} · ${models}\n`);
  for (const note of answer.notes) io.stderr(`note: ${note}\n`);
}

function lineRange({ startLine, endLine }: { startLine: number; endLine: number }): string {
  return startLine === endLine ? `${startLine}` : `${startLine}-${endLine}`;
}
