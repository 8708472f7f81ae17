import { type TurnView, unsupportedNote } from '../shared/protocol';
import { locationOf } from '../shared/citationMarkers';

/** A narrow sidebar (280 px) fits about this many characters of a path beside its number. */
export const MAX_PATH_CHARS = 34;

/** Long paths lose their middle, not their file name: `templates/…/start.ipynb:349-359`. */
export function shortenMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const tail = Math.ceil((max - 1) * 0.6);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(text.length - tail)}`;
}

/** The answer as Markdown a person can paste: its text, then its sources as `[n] path:lines heading`. */
export function answerAsMarkdown(turn: TurnView): string {
  const sources = (turn.result?.sources ?? []).map((s) => `[${s.n}] ${locationOf(s)}${s.heading ? ` ${s.heading}` : ''}`);
  // Copy keeps what the panel showed about each citation that does not support its sentence.
  const unsupported = (turn.result?.markers ?? []).filter((m) => m.grade === 'unsupported').map((m) => `- ${unsupportedNote(m)}`);
  return [
    turn.answer.trim(),
    ...(unsupported.length ? ['', 'Citations to check:', ...unsupported] : []),
    ...(sources.length ? ['', 'Sources:', ...sources.map((line) => `- ${line}`)] : []),
  ].join('\n');
}
