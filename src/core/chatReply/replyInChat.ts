import { unsupportedNote } from '../../shared/protocol';
import { judge } from '../retrieval/judgement';
import type { Answer, ChatTurn, RetrievedResult, Source } from '../answer/types';
import { explainQuestion, type ExplainTarget } from '../answer/explainQuestion';
import { toSource } from '../answer/budget';
import { plainDocText } from '../text/docMarkup';
import { alignEvidence, passageLinesFromText } from '../answer/evidence';
import { matchedWords } from '../retrieval/matchedWords';

/**
 * Where a chat reply goes: VS Code's response stream, or a recording of it in tests. An anchor and a reference
 * point at a source's exact lines.
 */
export interface ChatSink {
  markdown(text: string): void;
  /** A link to a source: to `lines` (the lines that support the cited sentence) when given, else to the passage. */
  anchor(source: Source, title: string, lines?: { startLine: number; endLine: number }): void;
  reference(source: Source): void;
  progress(message: string): void;
}

export type ReplyCommand = 'explain' | 'search' | 'anyway';

export interface ReplyRequest {
  prompt: string;
  command?: ReplyCommand;
  /** For `/explain`: the selection, or the active editor's text. */
  explain?: ExplainTarget;
  history: ChatTurn[];
  /** Stream the answer as it comes; off when a house-style rewrite will replace the draft at the end. */
  streaming: boolean;
  signal: AbortSignal;
}

export interface ReplyDeps {
  answer(request: {
    question: string;
    searchQuery?: string;
    history: ChatTurn[];
    answerAnyway?: boolean;
    abstainThreshold?: number;
    signal: AbortSignal;
    onSources: (sources: Source[]) => void;
    onDelta: (text: string) => void;
  }): Promise<Answer>;
  search(query: string, k: number): Promise<RetrievedResult[]>;
  /** The abstain threshold the settings give (the core's default when absent). */
  abstainThreshold?: number;
}

/** What the reply leaves for follow-ups and feedback (kept by VS Code with the turn). */
export interface ReplyMetadata {
  question: string;
  command?: ReplyCommand;
  verdict?: Answer['verdict'];
  answer?: string;
  model?: string;
  /** Set when the docs did not cover it and the user may ask to answer anyway. */
  canAnswerAnyway?: boolean;
}

const SEARCH_K = 8;

/**
 * `@groundwork`: the same answer pipeline as the panel, written as a chat reply. Each `[n]` of the answer becomes an
 * anchor to the lines of source n (markers were checked against the sources sent, so a bogus one never gets this
 * far); the sources go to the "used references" list; the verdict and notes close the reply.
 */
export async function replyInChat(request: ReplyRequest, deps: ReplyDeps, sink: ChatSink): Promise<ReplyMetadata> {
  if (request.command === 'search') return searchOnly(request, deps, sink);
  let question = request.prompt.trim();
  let options: { searchQuery?: string; abstainThreshold?: number } = {};
  if (request.command === 'explain') {
    if (!request.explain?.text) {
      sink.markdown('Select the code or text to explain in an editor, then ask `@groundwork /explain` again.');
      return { question, command: 'explain' };
    }
    const explained = explainQuestion(request.explain);
    question = question ? `${explained.question}\n\n${question}` : explained.question;
    options = { searchQuery: explained.searchQuery, abstainThreshold: explained.abstainThreshold };
  }
  if (!question) {
    sink.markdown('Ask a question about the docs of this workspace, for example `@groundwork how do I deploy?`');
    return { question };
  }
  sink.progress('Searching the docs…');
  let writer: AnchoringWriter | undefined;
  const answer = await deps.answer({
    question,
    ...options,
    history: request.history,
    answerAnyway: request.command === 'anyway',
    signal: request.signal,
    onSources: (sources) => (writer = new AnchoringWriter(sources, sink)),
    onDelta: (text) => {
      if (request.streaming) (writer ?? new AnchoringWriter([], sink)).push(text);
    },
  });
  if (!request.streaming) new AnchoringWriter(answer.sources, sink).push(answer.answer);

  for (const source of answer.sources) sink.reference(source);
  if (answer.verdict === 'not-in-docs' && answer.nearest?.length) {
    sink.markdown('\n\nClosest sections:\n');
    for (const source of answer.nearest) {
      sink.markdown('\n- ');
      sink.anchor(source, linesOf(source));
      if (source.heading) sink.markdown(` ${escapeMarkdown(source.heading)}`);
      if (source.matches?.length) sink.markdown(` (matches ${escapeMarkdown(source.matches.join(', '))})`);
    }
  }
  const cited = answer.sources.filter((s) => answer.citations.includes(s.n));
  const footer = [
    verdictLabel(answer),
    answer.sources.length ? `${answer.sources.length} source${answer.sources.length === 1 ? '' : 's'}, ${cited.length} cited` : '',
    answer.provider === 'offline'
      ? 'offline extract'
      : [answer.model, answer.styleModel && `+ ${answer.styleModel}`].filter(Boolean).join(' '),
  ].filter(Boolean);
  sink.markdown(`\n\n*${footer.join(' · ')}*`);
  for (const note of answer.notes) sink.markdown(`\n\n> ${escapeMarkdown(note)}`);
  return {
    question,
    command: request.command,
    verdict: answer.verdict,
    answer: answer.answer,
    model: answer.model,
    canAnswerAnyway: answer.verdict === 'not-in-docs' && Boolean(answer.nearest?.length),
  };
}

async function searchOnly(request: ReplyRequest, deps: ReplyDeps, sink: ChatSink): Promise<ReplyMetadata> {
  const query = request.prompt.trim();
  if (!query) {
    sink.markdown('Give `/search` some words to look for, for example `@groundwork /search retry policy`.');
    return { question: query, command: 'search' };
  }
  const results = await deps.search(query, SEARCH_K);
  if (!results.length) {
    sink.markdown(`No passage of the indexed docs matches "${escapeMarkdown(query)}".`);
    return { question: query, command: 'search' };
  }
  // The same judgement as the answer path and the agents' tools: an off-topic search says so above its passages.
  const judgement = judge(results, undefined, deps.abstainThreshold);
  sink.markdown(
    judgement.covered
      ? `Passages for "${escapeMarkdown(query)}" (no model was asked):\n`
      : `The docs do not appear to cover "${escapeMarkdown(query)}" (the best passage covers ${Math.round(judgement.coverage * 100)}% of it). The nearest passages (no model was asked):\n`,
  );
  results.forEach((result, i) => {
    const source = toSource(result, i + 1);
    sink.reference(source);
    sink.markdown(`\n${i + 1}. `);
    sink.anchor(source, linesOf(source));
    const heading = source.heading ? ` **${escapeMarkdown(source.heading)}**` : '';
    const firstLine =
      plainDocText(result.text)
        .split('\n')
        .find((line) => line.trim() && !line.startsWith('#') && !/^[=\-~^"'`*+]{3,}\s*$/.test(line.trim())) ?? '';
    const matches = matchedWords(query, source);
    const why = matches.length ? ` *(matches ${escapeMarkdown(matches.join(', '))})*` : '';
    sink.markdown(`${heading} ${escapeMarkdown(firstLine.trim().slice(0, 160))}${why}`);
  });
  return { question: query, command: 'search' };
}

/**
 * Splits streamed answer text at its `[n]` markers, writing each marker as an anchor to the lines of source n that
 * support the sentence it ends (found as the marker arrives, in the passage text).
 */
export class AnchoringWriter {
  private readonly byNumber: Map<number, Source>;
  private written = '';

  constructor(
    private readonly sources: Source[],
    private readonly sink: ChatSink,
  ) {
    this.byNumber = new Map(sources.map((s) => [s.n, s]));
  }

  push(text: string): void {
    let last = 0;
    for (const match of text.matchAll(/\[(\d+)\]/g)) {
      const source = this.byNumber.get(Number(match[1]));
      if (!source) continue; // not a source of this answer: left as the text it is, never a link
      if (match.index > last) this.sink.markdown(text.slice(last, match.index));
      const upTo = this.written + text.slice(0, match.index + match[0].length);
      const evidence = alignEvidence(upTo, this.sources, passageLinesFromText).at(-1);
      const unsupported = evidence?.n === source.n && evidence.grade === 'unsupported';
      this.sink.anchor(source, `[${source.n}]`, evidence?.matched && evidence.n === source.n ? evidence : undefined);
      // Said next to the marker, not only in the closing notes: this one opens its passage, not evidence lines.
      if (unsupported) this.sink.markdown(` *(${escapeMarkdown(unsupportedNote(evidence))})*`);
      last = match.index + match[0].length;
    }
    if (last < text.length) this.sink.markdown(text.slice(last));
    this.written += text;
  }
}

function linesOf(source: Source): string {
  return `${source.path}:${source.startLine}-${source.endLine}`;
}

function verdictLabel(answer: Answer): string {
  switch (answer.verdict) {
    case 'grounded':
      return 'Grounded in the docs';
    case 'partly-grounded': {
      const unsupported = (answer.evidence ?? []).filter((e) => e.grade === 'unsupported').length;
      return unsupported
        ? `Partly grounded: ${unsupported} citation${unsupported === 1 ? ' does' : 's do'} not support ${unsupported === 1 ? 'its sentence' : 'their sentences'}`
        : 'Partly grounded: some sentences cite no source';
    }
    case 'not-in-docs':
      return 'Not in the docs';
    case 'offline-extract':
      return 'Quoted from the docs';
    default:
      return answer.verdict;
  }
}

/** Doc and model text is shown as text: no markup of its own (links, images, HTML) reaches the chat. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!<>|]/g, '\\$&');
}
