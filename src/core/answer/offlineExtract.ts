import { analyze } from '../retrieval/analyzer';
import type { Source } from './types';

const MAX_PASSAGES = 3;
const SENTENCES_PER_PASSAGE = 2;

/**
 * The answer when no model is configured: the sentences of the best passages that share most with the
 * question, quoted as they are, each cited. Labelled as extracts, never presented as a written answer.
 */
export function offlineExtract(question: string, sources: Source[]): string {
  if (!sources.length) return '';
  const queryTerms = new Set(analyze(question));
  const lines = ['**Extracts from your docs** (offline: no model wrote this).', ''];
  for (const source of sources.slice(0, MAX_PASSAGES)) {
    const best = bestSentences(source.text, queryTerms, SENTENCES_PER_PASSAGE);
    if (!best.length) continue;
    const where = source.heading || source.path;
    lines.push(`- **${escapeInline(where)}**: ${best.join(' ')} [${source.n}]`);
  }
  return lines.length > 2 ? lines.join('\n') : '';
}

function bestSentences(text: string, queryTerms: Set<string>, count: number): string[] {
  const prose = text
    .replace(/^---\n[\s\S]*?\n---\n/, '')
    .replace(/```[\s\S]*?```|~~~[\s\S]*?~~~/g, ' ')
    .replace(/^\s*(#{1,6}\s.*|[=\-~^"'`*+#:.]{3,}\s*|\.\. .*)$/gm, ' ');
  const sentences = prose
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+(?=[A-Z`*(])/)
    .map((s) => s.trim())
    .filter((s) => s.length >= 20 && s.length <= 400);
  const scored = sentences.map((sentence, index) => {
    const terms = new Set(analyze(sentence));
    let overlap = 0;
    for (const t of queryTerms) if (terms.has(t)) overlap++;
    return { sentence, index, overlap };
  });
  return scored
    .filter((s) => s.overlap > 0)
    .sort((a, b) => b.overlap - a.overlap || a.index - b.index)
    .slice(0, count)
    .sort((a, b) => a.index - b.index)
    .map((s) => s.sentence);
}

/** Headings go inside `**…**`; stray asterisks must not end the bold early. */
function escapeInline(text: string): string {
  return text.replace(/([*_`[\]])/g, '\\$1');
}
