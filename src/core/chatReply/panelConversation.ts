import { randomBytes } from 'node:crypto';
import type { AnswerView, HostMessage, SourceView, TurnView } from '../../shared/protocol';
import type { CitationChange } from '../answer/citedRanges';
import type { Answer, ChatTurn, Evidence, Source } from '../answer/types';

/** A turn as kept in workspace state: what the panel shows plus the sources with their folders, to open them. */
export interface StoredTurn extends TurnView {
  sources?: Source[];
  nearest?: Source[];
  /** For each `[n]` of the answer, in order: the lines that support its sentence. */
  evidence?: Evidence[];
}

export type AskOptions = { searchQuery?: string; answerAnyway?: boolean; abstainThreshold?: number };

export interface ConversationDeps {
  answer(
    question: string,
    history: ChatTurn[],
    options: AskOptions & { signal: AbortSignal; onDelta: (text: string) => void; onReplace: (text: string) => void },
  ): Promise<Answer>;
  /** To the panel's page (dropped while it is not there: the state it gets once ready carries every turn). */
  post(message: HostMessage): void;
  /** Keeps the turns (the editor's workspace state). */
  save(turns: StoredTurn[]): Promise<void>;
  /** An answer is complete: its sources start following their text. */
  answered?(turnId: string, question: string, answer: Answer): Promise<void>;
  /** Whether a source's folder tells the reader anything (a multi-root workspace). */
  multiRoot(): boolean;
}

export const MAX_STORED_TURNS = 50;
export const REPLACED = 'Stopped: the next question replaced it.';
export const STOPPED = 'Stopped.';

/**
 * The panel's conversation, apart from the editor: one answer at a time (a new question stops the running one and
 * says so, so Stop and Send always belong to the answer on screen), stopped and failed turns kept out of the
 * history, and every turn's sources moved when their text moves.
 */
export class PanelConversation {
  private readonly running = new Map<string, AbortController>();
  /** Answers stopped because a newer question started (their turn says so, not just "Stopped."). */
  private readonly replaced = new Set<string>();

  constructor(
    public turns: StoredTurn[],
    private readonly deps: ConversationDeps,
  ) {}

  /** The answer streaming now, if any. */
  get streamingId(): string | undefined {
    return [...this.running.keys()][0];
  }

  async run(question: string, options: AskOptions = {}): Promise<void> {
    for (const [runningId, running] of this.running) {
      this.replaced.add(runningId);
      running.abort();
    }
    const id = randomBytes(8).toString('hex');
    const controller = new AbortController();
    this.running.set(id, controller);
    const turn: StoredTurn = { id, question, answer: '' };
    const history = this.history();
    this.turns.push(turn);
    this.deps.post({ type: 'start', id, question });
    try {
      const answer = await this.deps.answer(question, history, {
        ...options,
        signal: controller.signal,
        onDelta: (text) => {
          turn.answer += text;
          this.deps.post({ type: 'delta', id, text });
        },
        onReplace: (text) => {
          turn.answer = text;
          this.deps.post({ type: 'replace', id, text });
        },
      });
      turn.answer = answer.answer;
      turn.sources = answer.sources;
      turn.nearest = answer.nearest;
      turn.result = answerView(answer, this.deps.multiRoot());
      turn.evidence = answer.evidence;
      this.deps.post({ type: 'done', id, result: turn.result });
      await this.deps.answered?.(id, question, answer);
    } catch (error) {
      // By name, not instanceof: the error may come from a separately bundled answer pipeline.
      const cancelled = controller.signal.aborted || (error as { kind?: string }).kind === 'cancelled';
      turn.error = this.replaced.delete(id) ? REPLACED : cancelled ? STOPPED : (error as Error).message;
      this.deps.post({ type: 'error', id, message: turn.error });
    } finally {
      this.running.delete(id);
      await this.keep();
    }
  }

  stop(id: string): void {
    this.running.get(id)?.abort();
  }

  stopAll(): void {
    for (const controller of this.running.values()) controller.abort();
  }

  async clear(): Promise<void> {
    this.stopAll();
    this.turns = [];
    await this.deps.save([]);
  }

  /** Earlier questions and answers, for follow-ups: a stopped, cut-off or failed answer is not one. */
  history(): ChatTurn[] {
    return this.turns
      .filter((t) => t.answer && !t.error)
      .flatMap((t) => [
        { role: 'user' as const, content: t.question },
        { role: 'assistant' as const, content: t.answer },
      ]);
  }

  /**
   * A source's passage moved in its file: the turn's source and evidence lines move with it, kept with the
   * history. Returns the turn (to show its sources as they now stand), or undefined when there is none.
   */
  async followSource({ turnId, n, delta }: CitationChange): Promise<StoredTurn | undefined> {
    const turn = this.turns.find((t) => t.id === turnId);
    if (!turn?.result) return undefined;
    if (delta) {
      const shift = (lines: { n: number; startLine: number; endLine: number }) => {
        if (lines.n !== n) return;
        lines.startLine += delta;
        lines.endLine += delta;
      };
      for (const source of turn.sources ?? []) shift(source);
      for (const source of turn.result.sources) shift(source);
      for (const evidence of turn.evidence ?? []) shift(evidence);
      await this.keep();
    }
    return turn;
  }

  /** Keeps the turns as they stand (the newest `MAX_STORED_TURNS`). */
  async keep(): Promise<void> {
    this.turns = this.turns.slice(-MAX_STORED_TURNS);
    await this.deps.save(this.turns);
  }
}

/** An answer as the panel shows it. */
export function answerView(answer: Answer, multiRoot: boolean): AnswerView {
  const view = (s: Source): SourceView => ({
    n: s.n,
    path: s.path,
    startLine: s.startLine,
    endLine: s.endLine,
    heading: s.heading,
    // The folder name only tells something in a multi-root workspace.
    folder: multiRoot ? s.folder : undefined,
    matches: s.matches,
  });
  return {
    verdict: answer.verdict,
    sources: answer.sources.map(view),
    nearest: (answer.nearest ?? []).map(view),
    citations: answer.citations,
    removedCitations: answer.removedCitations,
    provider: answer.provider,
    model: answer.model,
    styleModel: answer.styleModel,
    usage: answer.provider === 'offline' ? undefined : answer.usage,
    notes: answer.notes,
    markers: (answer.evidence ?? []).map((e) => ({
      n: e.n,
      grade: e.grade ?? 'supported',
      ...(e.betterSource ? { betterSource: e.betterSource } : {}),
    })),
  };
}
