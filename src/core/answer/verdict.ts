import { citesAnything, MARKER_UNCAPTURED } from '../../shared/citationMarkers';
import { NOT_COVERED } from './prompt';
import type { Verdict } from './types';

/**
 * Grounded when every statement carries a citation; partly grounded when some do not; not in the docs when the
 * model said so (or cited nothing at all).
 */
export function judgeAnswer(answer: string): { verdict: Verdict; uncitedStatements: number } {
  const normalized = answer.replace(/[’‘]/g, "'").trim();
  if (!normalized || normalized.toLowerCase().startsWith(NOT_COVERED.toLowerCase().replace(/\.$/, ''))) {
    return { verdict: 'not-in-docs', uncitedStatements: 0 };
  }
  const statements = statementsOf(normalized);
  const uncited = statements.filter((s) => !citesAnything(s));
  const cited = statements.length - uncited.length;
  if (cited === 0) return { verdict: 'not-in-docs', uncitedStatements: uncited.length };
  return { verdict: uncited.length ? 'partly-grounded' : 'grounded', uncitedStatements: uncited.length };
}

/**
 * The sentences and list items of an answer that state something, with code blocks, headings and bare lead-ins
 * ("Here is how:") left out. A citation right after a sentence's full stop counts for that sentence.
 */
/** A sentence ends at its full stop and the citations right after it. */
const SENTENCE_END = new RegExp(String.raw`(?<=[.!?](?:\s*${MARKER_UNCAPTURED})*)\s+(?=[A-Z\`*_(])`);

export function statementsOf(answer: string): string[] {
  const prose = answer.replace(/```[\s\S]*?(```|$)|~~~[\s\S]*?(~~~|$)/g, '\n');
  const statements: string[] = [];
  for (const rawLine of prose.split('\n')) {
    const line = rawLine.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '').trim();
    if (!line || /^#{1,6}\s/.test(line) || /^\|/.test(line)) continue;
    const sentences = line.split(SENTENCE_END);
    for (const sentence of sentences) {
      const s = sentence.trim();
      if (s.length < 12 || /:\s*$/.test(s)) continue;
      statements.push(s);
    }
  }
  return statements;
}
