import { analyze } from '../retrieval/analyzer';

/** How far a cited passage says what its sentence says. */
export type SupportGrade = 'supported' | 'weak' | 'unsupported';

export interface CitationSupport {
  grade: SupportGrade;
  /** The share of the sentence's content the passage holds, 0 to 1 (rare terms, numbers and code weigh more). */
  support: number;
  /** Another source sent with the question that supports the sentence, when this one does not. */
  betterSource?: number;
}

/** Numbers and code carry a claim: each weighs this many times a plain term of the same rarity. */
const EXACT_WEIGHT = 3;
/** From this share of the sentence's weighted content, the passage says it (calibrated: BENCHMARKS.md, "Citations"). */
export const SUPPORTED_FROM = 0.65;
/** From this share it shares some of it; below, it does not support the sentence. */
export const WEAK_FROM = 0.55;

/** The sentence's terms with their weights: rarity among the passages, times `EXACT_WEIGHT` for numbers and code. */
function sentenceTerms(sentence: string, rarity: (term: string) => number): Map<string, number> {
  const weights = new Map<string, number>();
  for (const term of analyze(sentence)) weights.set(term, rarity(term));
  const exact = [...sentence.matchAll(/`([^`]+)`|\b\d[\d.,:]*\b/g)].map((m) => m[1] ?? m[0]);
  for (const piece of exact) for (const term of analyze(piece)) weights.set(term, EXACT_WEIGHT * rarity(term));
  return weights;
}

/**
 * Grades citations against the passages sent with a question. A term's weight is its rarity among those passages
 * (inverse document frequency over them): the words every passage shares ("Ray", "run") say nothing about which
 * one supports a sentence; the words only one holds say most. Pure, so every surface grades alike.
 */
export class CitationGrader {
  private readonly termsOf = new Map<number, Set<string>>();
  private readonly frequency = new Map<string, number>();

  constructor(private readonly passages: ReadonlyArray<{ n: number; text: string; heading?: string }>) {
    for (const passage of passages) {
      const terms = new Set(analyze(`${passage.heading ?? ''}\n${passage.text}`));
      this.termsOf.set(passage.n, terms);
      for (const term of terms) this.frequency.set(term, (this.frequency.get(term) ?? 0) + 1);
    }
  }

  private rarity = (term: string): number => Math.log(1 + (this.passages.length + 1) / (1 + (this.frequency.get(term) ?? 0)));

  /** The share of the sentence's weighted content that passage `n` holds. */
  support(sentence: string, n: number): number {
    const terms = this.termsOf.get(n);
    const wanted = sentenceTerms(sentence, this.rarity);
    let total = 0;
    let held = 0;
    for (const [term, weight] of wanted) {
      total += weight;
      if (terms?.has(term)) held += weight;
    }
    return total ? held / total : 0;
  }

  grade(sentence: string, n: number): CitationSupport {
    const support = this.support(sentence, n);
    const grade: SupportGrade = support >= SUPPORTED_FROM ? 'supported' : support >= WEAK_FROM ? 'weak' : 'unsupported';
    if (grade === 'supported') return { grade, support: round(support) };
    // A source sent with the question that says it: named, so the reader can check that one instead.
    let better: { n: number; support: number } | undefined;
    for (const other of this.passages) {
      if (other.n === n) continue;
      const s = this.support(sentence, other.n);
      if (s >= SUPPORTED_FROM && (!better || s > better.support)) better = { n: other.n, support: s };
    }
    return { grade, support: round(support), ...(better ? { betterSource: better.n } : {}) };
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;
