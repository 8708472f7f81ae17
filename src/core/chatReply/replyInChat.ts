import { locationOf, markersIn, splitAtMarkers } from '../../shared/citationMarkers';
import { verdictLabel } from '../../shared/verdictLabel';
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
      sink.anchor(source, locationOf(source));
      if (source.heading) sink.markdown(` ${escapeMarkdown(source.heading)}`);
      if (source.matches?.length) sink.markdown(` (matches ${escapeMarkdown(source.matches.join(', '))})`);
    }
  }
  // VS Code shows each anchor as a pill named by its file, never as `[n]`: the closing line and the notes name the
  // cited files the same way, so what it says matches what is shown.
  const cited = answer.sources.filter((s) => answer.citations.includes(s.n));
  const citedFiles = [...new Set(cited.map((s) => fileNameOf(s.path)))];
  const footer = [
    verdictLabel(answer.verdict, (answer.evidence ?? []).filter((e) => e.grade === 'unsupported').length),
    citedFiles.length
      ? `cites ${citedFiles.map(escapeMarkdown).join(', ')} (${cited.length} of ${plural(answer.sources.length, 'source')})`
      : '',
    !citedFiles.length && answer.sources.length ? `${plural(answer.sources.length, 'source')}, none cited` : '',
    answer.provider === 'offline'
      ? 'offline extract'
      : [answer.model, answer.styleModel && `+ ${answer.styleModel}`].filter(Boolean).join(' '),
  ].filter(Boolean);
  sink.markdown(`\n\n*${footer.join(' · ')}*`);
  for (const note of answer.notes) sink.markdown(`\n\n> ${escapeMarkdown(withSourceNames(note, answer.sources))}`);
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
      : `The docs do not appear to cover "${escapeMarkdown(query)}" (${escapeMarkdown(judgement.reason ?? '')}). The nearest passages (no model was asked):\n`,
  );
  results.forEach((result, i) => {
    const source = toSource(result, i + 1);
    sink.reference(source);
    sink.markdown(`\n${i + 1}. `);
    sink.anchor(source, locationOf(source));
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
  /** The source of the anchor just written, while nothing but spaces has followed it (`[1] [1]` is one pill). */
  private lastAnchored?: number;

  constructor(
    private readonly sources: Source[],
    private readonly sink: ChatSink,
  ) {
    this.byNumber = new Map(sources.map((s) => [s.n, s]));
  }

  push(text: string): void {
    let last = 0;
    // A stream's pieces carry no code context: every `[n]` naming a source of this answer is read as a citation.
    for (const match of markersIn(text, { inCodeToo: true })) {
      const source = this.byNumber.get(match.n);
      if (!source) continue; // not a source of this answer: left as the text it is, never a link
      const between = text.slice(last, match.index);
      if (between.trim()) this.lastAnchored = undefined;
      if (this.lastAnchored === source.n) {
        last = match.end; // the same source again, right after its own pill: shown once
        continue;
      }
      if (between) this.sink.markdown(between);
      const upTo = this.written + text.slice(0, match.end);
      const evidence = alignEvidence(upTo, this.sources, passageLinesFromText).at(-1);
      const unsupported = evidence?.n === source.n && evidence.grade === 'unsupported';
      this.sink.anchor(source, `[${source.n}]`, evidence?.matched && evidence.n === source.n ? evidence : undefined);
      // Said next to the marker, not only in the closing notes: this one opens its passage, not evidence lines.
      if (unsupported) this.sink.markdown(` *(${escapeMarkdown(unsupportedInChat(evidence.betterSource, this.byNumber))})*`);
      this.lastAnchored = unsupported ? undefined : source.n;
      last = match.end;
    }
    const rest = text.slice(last);
    if (rest.trim()) this.lastAnchored = undefined;
    if (rest) this.sink.markdown(rest);
    this.written += text;
  }
}

/** How VS Code names an anchor's pill: the file's own name. */
function fileNameOf(filePath: string): string {
  return filePath.slice(filePath.lastIndexOf('/') + 1);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A source as the reader of a chat reply knows it: by its file and lines (the pills show no numbers). */
function sourceName(source: Source): string {
  return locationOf({ ...source, path: fileNameOf(source.path) });
}

/** A note's `[n]` markers, as the files they stand for; a number with no source stays as written. */
function withSourceNames(note: string, sources: Source[]): string {
  const byNumber = new Map(sources.map((s) => [s.n, s]));
  return splitAtMarkers(note)
    .map((part) => (typeof part === 'string' ? part : byNumber.has(part.n) ? sourceName(byNumber.get(part.n)!) : `[${part.n}]`))
    .join('');
}

/** Said beside an unsupported citation's pill, which opens its passage rather than evidence lines. */
function unsupportedInChat(betterSource: number | undefined, byNumber: Map<number, Source>): string {
  const better = betterSource === undefined ? undefined : byNumber.get(betterSource);
  return `this source does not appear to support the sentence${better ? `; ${sourceName(better)} says this` : ''}`;
}

/** Doc and model text is shown as text: no markup of its own (links, images, HTML) reaches the chat. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!<>|]/g, '\\$&');
}
