import { citedNumbers, withoutMarkers } from '../../shared/citationMarkers';
import type { ChatMessage } from '../providers/chatProvider';
import { CitationGrader } from './citationSupport';
import { citedSentencesOf } from './evidence';

/** What the style model is told at answer time; a house-style dataset trains it on exactly this prompt. */
export const RESTYLE_INSTRUCTIONS = [
  'Rewrite the answer below in the house style: tone, wording and formatting only.',
  'Keep every citation marker like [1] exactly as it is, attached to the same statement. Do not add, remove or renumber markers.',
  'Do not add facts, numbers, code or links that the answer does not have. Reply with the rewritten answer only.',
].join('\n');

/** The restyle request for a grounded draft: the instructions, then the draft as the user's turn. */
export function restyleMessages(draft: string): ChatMessage[] {
  return [
    { role: 'system', content: RESTYLE_INSTRUCTIONS },
    { role: 'user', content: draft },
  ];
}

export interface RestyleCheck {
  ok: boolean;
  /** Why the rewrite was rejected, for the note shown with the draft. */
  problems: string[];
}

/**
 * A restyled answer may change tone and format only. It is rejected if its citation markers differ from the
 * draft's (lost, added or renumbered), or if it brings numbers, code or links that the draft did not have.
 */
export function checkRestyle(
  draft: string,
  rewrite: string,
  sources?: ReadonlyArray<{ n: number; text: string; heading?: string }>,
): RestyleCheck {
  const problems: string[] = [];
  // With the sources at hand: a marker may not move onto a sentence its source does not say (the draft's said it).
  if (sources?.length) {
    const grader = new CitationGrader(sources);
    const gradesOf = (text: string) => citedSentencesOf(text).map(({ n, sentence }) => ({ n, grade: grader.grade(sentence, n).grade }));
    const before = gradesOf(draft);
    const moved = gradesOf(rewrite).filter(
      (after) => after.grade === 'unsupported' && before.some((b) => b.n === after.n && b.grade !== 'unsupported'),
    );
    if (moved.length)
      problems.push(
        `citation${moved.length > 1 ? 's' : ''} moved onto a sentence the source does not say: ${[...new Set(moved.map((m) => `[${m.n}]`))].join('')}`,
      );
  }
  const draftMarkers = markers(draft);
  const rewriteMarkers = markers(rewrite);
  const lost = difference(draftMarkers, rewriteMarkers);
  const added = difference(rewriteMarkers, draftMarkers);
  if (lost.length && added.length)
    problems.push(`citations renumbered (${lost.map((n) => `[${n}]`).join('')} became ${added.map((n) => `[${n}]`).join('')})`);
  else if (lost.length) problems.push(`citations lost: ${lost.map((n) => `[${n}]`).join('')}`);
  else if (added.length) problems.push(`citations added: ${added.map((n) => `[${n}]`).join('')}`);
  const draftNumbers = new Set(numbers(draft));
  const newNumbers = numbers(rewrite).filter((n) => !draftNumbers.has(n));
  if (newNumbers.length) problems.push(`numbers not in the draft: ${[...new Set(newNumbers)].join(', ')}`);
  const draftCode = codeOf(draft);
  const newCode = codeOf(rewrite).filter((c) => !draftCode.some((d) => d.includes(c)));
  if (newCode.length) problems.push(`code not in the draft: ${newCode.map((c) => `\`${c.slice(0, 40)}\``).join(', ')}`);
  const draftLinks = new Set(links(draft));
  const newLinks = links(rewrite).filter((l) => !draftLinks.has(l));
  if (newLinks.length) problems.push(`links not in the draft: ${newLinks.join(', ')}`);
  return { ok: problems.length === 0, problems };
}

/** Citation numbers with multiplicity, sorted: `[1][2] … [1]` → 1, 1, 2. */
function markers(text: string): number[] {
  return citedNumbers(text).sort((a, b) => a - b);
}

/** Items of `a` not matched one-for-one in `b` (both sorted). */
function difference(a: number[], b: number[]): number[] {
  const rest = [...b];
  const out: number[] = [];
  for (const n of a) {
    const i = rest.indexOf(n);
    if (i >= 0) rest.splice(i, 1);
    else out.push(n);
  }
  return [...new Set(out)];
}

function numbers(text: string): string[] {
  return [...withoutMarkers(withoutLinks(text)).matchAll(/\d+(?:[.,]\d+)*/g)].map((m) => m[0].replace(/,/g, ''));
}

function codeOf(text: string): string[] {
  const code: string[] = [];
  for (const m of text.matchAll(/```[^\n]*\n([\s\S]*?)```|~~~[^\n]*\n([\s\S]*?)~~~/g)) code.push((m[1] ?? m[2]).trim());
  for (const m of text.replace(/```[\s\S]*?```|~~~[\s\S]*?~~~/g, '').matchAll(/`([^`\n]+)`/g)) code.push(m[1].trim());
  return code.filter(Boolean);
}

function links(text: string): string[] {
  return [...text.matchAll(/\bhttps?:\/\/[^\s)<>\]]+|\]\(([^)\s]+)\)/g)].map((m) => (m[1] ?? m[0]).replace(/[.,;:]+$/, ''));
}

function withoutLinks(text: string): string {
  return text.replace(/\bhttps?:\/\/[^\s)<>\]]+/g, ' ').replace(/\]\([^)]*\)/g, ']');
}
