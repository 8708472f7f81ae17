/** What Explain Selection (and `@groundwork /explain`) explains: a piece of a file. */
export interface ExplainTarget {
  /** Relative to the workspace. */
  file: string;
  language: string;
  text: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
}

/**
 * Code is mostly syntax the docs never contain, so its coverage of a selection runs low even when the docs describe
 * it: explaining takes a lower bar than a question does.
 */
export const EXPLAIN_ABSTAIN_THRESHOLD = 0.15;
const MAX_CHARS = 6000;

/** The question shown to the model, and what retrieval looks for: what the selection names and where it lives. */
export function explainQuestion(target: ExplainTarget): { question: string; searchQuery: string; abstainThreshold: number } {
  const clipped = target.text.length > MAX_CHARS ? `${target.text.slice(0, MAX_CHARS)}\n…` : target.text;
  const lines = target.startLine === target.endLine ? `line ${target.startLine}` : `lines ${target.startLine}-${target.endLine}`;
  return {
    question: `Explain this ${target.language} from ${target.file} (${lines}), using the docs:\n\n\`\`\`${target.language}\n${clipped}\n\`\`\``,
    searchQuery: `${clipped.slice(0, 2000)} ${target.file}`,
    abstainThreshold: EXPLAIN_ABSTAIN_THRESHOLD,
  };
}
