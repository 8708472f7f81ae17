import { blankMarkersInCode, MARKER_SOURCE, markersIn } from '../../shared/citationMarkers';
import { analyze } from '../retrieval/analyzer';
import { CitationGrader } from './citationSupport';
import type { Evidence, Source } from './types';

export type { Evidence };

/** A source's passage as file lines: each line of text with its line number in the file. */
export type PassageLines = Array<{ line: number; text: string }>;

/** Longest evidence window, in lines: past that a citation is a passage again, not a claim's support. */
const MAX_WINDOW = 8;
/** Numbers and code carry a claim: a shared one weighs this many plain terms. */
const EXACT_WEIGHT = 3;

/** A marker in the answer's prose, all of them (see `citationMarkers`, the grammar every surface shares). */
const MARKER = new RegExp(MARKER_SOURCE, 'g');

/**
 * For every `[n]` marker of an answer, in order (outside code, as the panel renders them), the lines of source n
 * that support the sentence it ends: the line sharing most of the sentence's terms (numbers and code spans weigh
 * more), widened to its neighbours while they add terms the sentence has. Offline extracts quote their sentences,
 * so their evidence is the quoted lines.
 */
export function alignEvidence(answer: string, sources: Source[], linesOf: (source: Source) => PassageLines): Evidence[] {
  const byNumber = new Map(sources.map((s) => [s.n, s]));
  const lineCache = new Map<number, PassageLines>();
  const evidence: Evidence[] = [];
  const grader = new CitationGrader(sources);
  for (const { n, sentence } of citedSentencesOf(answer)) {
    const source = byNumber.get(n);
    if (!source) continue;
    const graded = grader.grade(sentence, n);
    // A passage that does not say the sentence gets no evidence lines: one shared word is not support.
    if (graded.grade === 'unsupported') {
      evidence.push({ n, startLine: source.startLine, endLine: source.endLine, matched: false, ...graded });
      continue;
    }
    if (!lineCache.has(n)) lineCache.set(n, linesOf(source));
    evidence.push({ n, ...supportingLines(sentence, source, lineCache.get(n)!), ...graded });
  }
  return evidence;
}

/** The sentences of an answer with the markers that cite them, as `alignEvidence` reads them (code skipped). */
export function citedSentencesOf(answer: string): Array<{ n: number; sentence: string }> {
  const prose = blankMarkersInCode(answer);
  return citedSentences(prose, answer);
}

/** The passage's lines, numbered, when its text is the file's lines as they are (Markdown, reStructuredText, text). */
export function passageLinesFromText(source: Pick<Source, 'text' | 'startLine' | 'endLine'>): PassageLines {
  const lines = source.text.split('\n');
  if (lines.length !== source.endLine - source.startLine + 1) return [];
  return lines.map((text, i) => ({ line: source.startLine + i, text }));
}

/**
 * The passage's lines, numbered, found in the file's lines: every non-blank line of the passage text is looked for
 * in order (as a citation's text must be at its lines). Empty when the file no longer holds them.
 */
export function passageLinesInFile(source: Pick<Source, 'text' | 'startLine' | 'endLine'>, fileLines: string[]): PassageLines {
  const out: PassageLines = [];
  let at = source.startLine - 1;
  for (const wanted of source.text.split('\n')) {
    const text = wanted.trimEnd();
    if (!text.trim()) continue;
    while (at < source.endLine && fileLines[at]?.trimEnd() !== text && !fileLines[at]?.includes(text.trim())) at++;
    if (at >= source.endLine) return [];
    out.push({ line: at + 1, text });
    at++;
  }
  return out;
}

/** Every marker of the answer in order, with the sentence it cites for (a marker after a sentence's full stop cites that sentence). */
function citedSentences(prose: string, original: string): Array<{ n: number; sentence: string }> {
  const bounds = [0];
  for (const m of prose.matchAll(/[.!?](?=\s)|\n/g)) bounds.push(m.index + 1);
  bounds.push(prose.length);
  const sentenceAt = (offset: number) => {
    let i = 0;
    while (i < bounds.length - 2 && bounds[i + 1] <= offset) i++;
    // Only markers (and spaces) before it in its sentence: it belongs to the sentence before.
    if (i > 0 && !prose.slice(bounds[i], offset).replace(MARKER, '').trim()) i--;
    return original.slice(bounds[i], bounds[i + 1]).replace(MARKER, ' ');
  };
  return markersIn(prose, { inCodeToo: true }).map((m) => ({ n: m.n, sentence: sentenceAt(m.index) }));
}

function weightedTerms(sentence: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const term of analyze(sentence)) weights.set(term, 1);
  const exact = [...sentence.matchAll(/`([^`]+)`|\b\d[\d.,:]*\b/g)].map((m) => m[1] ?? m[0]);
  for (const piece of exact) for (const term of analyze(piece)) weights.set(term, EXACT_WEIGHT);
  return weights;
}

function supportingLines(sentence: string, source: Source, lines: PassageLines): Omit<Evidence, 'n'> {
  const whole = { startLine: source.startLine, endLine: source.endLine, matched: false };
  const wanted = weightedTerms(sentence);
  if (!wanted.size || !lines.length) return whole;
  const termsOf = lines.map(({ text }) => new Set(analyze(text)));
  const gain = (i: number, covered: Set<string>) => {
    let sum = 0;
    for (const term of termsOf[i]) if (!covered.has(term)) sum += wanted.get(term) ?? 0;
    return sum;
  };
  let best = -1;
  let bestScore = 0;
  for (let i = 0; i < lines.length; i++) {
    // A heading names the section, it does not say the claim: it is evidence only when nothing else is.
    const score = gain(i, new Set()) * (/^\s*(#|[=\-~^"'`*+]{3,}\s*$)/.test(lines[i].text) ? 0.5 : 1);
    if (score > bestScore) [best, bestScore] = [i, score];
  }
  if (best < 0) return whole;
  let [from, to] = [best, best];
  const covered = new Set(termsOf[best]);
  while (to - from + 1 < MAX_WINDOW) {
    const left = from > 0 ? gain(from - 1, covered) : 0;
    const right = to < lines.length - 1 ? gain(to + 1, covered) : 0;
    if (!left && !right) break;
    const next = right >= left ? ++to : --from;
    for (const term of termsOf[next]) covered.add(term);
  }
  return { startLine: lines[from].line, endLine: lines[to].line, matched: true };
}
