/**
 * The one message protocol between the extension host and the chat webview. Both sides import these types;
 * the host checks the shape of every incoming message with `parseWebviewMessage`, because a webview's
 * messages are only as trustworthy as the content it renders.
 */

export type Verdict = 'grounded' | 'partly-grounded' | 'not-in-docs' | 'offline-extract';

export interface SourceView {
  n: number;
  path: string;
  startLine: number;
  endLine: number;
  heading: string;
  /** Workspace folder name in a multi-root workspace. */
  folder?: string;
  /** Whether the cited lines changed since the answer was given. */
  stale?: boolean;
  /** The question's words the passage holds, as written: why it was found (empty: by related wording). */
  matches?: string[];
}

export interface AnswerView {
  verdict: Verdict;
  sources: SourceView[];
  nearest: SourceView[];
  citations: number[];
  removedCitations: number[];
  provider: string;
  model?: string;
  styleModel?: string;
  usage?: { promptTokens: number; completionTokens: number; estimatedCostUsd?: number };
  notes: string[];
  /** Each `[n]` marker of the answer in order: how far its source says its sentence (see `CitationGrader`). */
  markers?: MarkerView[];
}

export interface MarkerView {
  n: number;
  grade: 'supported' | 'weak' | 'unsupported';
  /** Another source sent with the question that says the sentence. */
  betterSource?: number;
}

/** What a reader is told about a citation that does not support its sentence (the panel, Copy, `@groundwork`). */
export function unsupportedNote(marker: Pick<MarkerView, 'n' | 'betterSource'>): string {
  return `[${marker.n}] does not appear to support this sentence${marker.betterSource ? `; [${marker.betterSource}] says this` : ''}`;
}

export interface TurnView {
  id: string;
  question: string;
  answer: string;
  result?: AnswerView;
  error?: string;
  /** The reader's 👍/👎 on this answer. */
  feedback?: 'helpful' | 'unhelpful';
}

export interface PanelStatus {
  files: number;
  chunks: number;
  indexing: boolean;
  indexError?: string;
  provider: string;
  model?: string;
  trusted: boolean;
  hasKey: boolean;
  /** A model is configured that needs no more from the user (an endpoint with a base URL, or VS Code's models). */
  modelReady: boolean;
}

export type HostMessage =
  | { type: 'state'; status: PanelStatus; turns: TurnView[]; streamingId?: string }
  | { type: 'status'; status: PanelStatus }
  | { type: 'start'; id: string; question: string }
  | { type: 'delta'; id: string; text: string }
  | { type: 'replace'; id: string; text: string }
  | { type: 'done'; id: string; result: AnswerView }
  | { type: 'error'; id: string; message: string }
  /** A turn's sources as they now stand: a cited passage moved with its text, went stale, or is back. */
  | { type: 'sources'; id: string; sources: SourceView[] }
  | { type: 'focusInput' };

export type PanelCommand = 'setApiKey' | 'selectModel' | 'rebuildIndex' | 'showIndexStatus';

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'ask'; question: string; answerAnyway?: boolean }
  | { type: 'stop'; id: string }
  | { type: 'newChat' }
  /** `marker`: which `[n]` of the answer was clicked (0-based, in order), to select the lines that support its sentence. */
  | { type: 'openSource'; turnId: string; n: number; nearest?: boolean; marker?: number }
  | { type: 'copy'; text: string }
  | { type: 'feedback'; turnId: string; helpful: boolean }
  /** Open the answer for the team to rewrite in its house style (kept as an example if the citation lock holds). */
  | { type: 'editStyle'; turnId: string }
  | { type: 'openLink'; url: string }
  | { type: 'command'; command: PanelCommand };

const COMMANDS: readonly PanelCommand[] = ['setApiKey', 'selectModel', 'rebuildIndex', 'showIndexStatus'];
const MAX_TEXT = 100_000;

/** The message if it has exactly a known shape, otherwise undefined (and the host ignores it). */
export function parseWebviewMessage(value: unknown): WebviewMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  const isText = (v: unknown) => typeof v === 'string' && v.length <= MAX_TEXT;
  switch (m.type) {
    case 'ready':
    case 'newChat':
      return { type: m.type };
    case 'ask':
      if (!isText(m.question) || !(m.question as string).trim()) return undefined;
      if (m.answerAnyway !== undefined && typeof m.answerAnyway !== 'boolean') return undefined;
      return { type: 'ask', question: m.question as string, answerAnyway: m.answerAnyway === true };
    case 'stop':
      return isText(m.id) ? { type: 'stop', id: m.id as string } : undefined;
    case 'openSource':
      if (!isText(m.turnId) || !Number.isInteger(m.n) || (m.n as number) < 1) return undefined;
      if (m.nearest !== undefined && typeof m.nearest !== 'boolean') return undefined;
      if (m.marker !== undefined && (!Number.isInteger(m.marker) || (m.marker as number) < 0)) return undefined;
      return {
        type: 'openSource',
        turnId: m.turnId as string,
        n: m.n as number,
        nearest: m.nearest === true,
        ...(m.marker !== undefined ? { marker: m.marker as number } : {}),
      };
    case 'copy':
      return isText(m.text) ? { type: 'copy', text: m.text as string } : undefined;
    case 'editStyle':
      return isText(m.turnId) ? { type: 'editStyle', turnId: m.turnId as string } : undefined;
    case 'feedback':
      return isText(m.turnId) && typeof m.helpful === 'boolean'
        ? { type: 'feedback', turnId: m.turnId as string, helpful: m.helpful }
        : undefined;
    case 'openLink':
      return isText(m.url) && /^(https?:|mailto:)/i.test(m.url as string) ? { type: 'openLink', url: m.url as string } : undefined;
    case 'command':
      return COMMANDS.includes(m.command as PanelCommand) ? { type: 'command', command: m.command as PanelCommand } : undefined;
    default:
      return undefined;
  }
}
