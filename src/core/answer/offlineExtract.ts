import { escapeMarkers } from '../../shared/citationMarkers';
import { analyze } from '../retrieval/analyzer';
import { plainInlineText } from '../text/docMarkup';
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
  const picks = sources
    .slice(0, MAX_PASSAGES)
    .map((source) => ({ source, best: bestSentences(source.text, queryTerms, SENTENCES_PER_PASSAGE) }));
  // A passage whose best sentence shares far fewer of the question's terms than the best one (say only "need")
  // is noise beside it: it is left out of the extract, and stays in the sources list.
  const topOverlap = Math.max(0, ...picks.map(({ best }) => best[0]?.overlap ?? 0));
  const lines = ['**Extracts from your docs** (offline: no model wrote this).', ''];
  for (const { source, best } of picks) {
    if (!best.length || best[0].overlap * 2 < topOverlap) continue;
    // The section's own title: its whole heading path (often five levels on a large site) is in the sources list.
    const where = source.heading.split(' > ').at(-1) || source.path;
    const quoted = [...best].sort((a, b) => a.index - b.index).map((s) => quotable(s.sentence));
    lines.push(`- **${escapeInline(where)}**: ${quoted.join(' ')} [${source.n}]`);
  }
  return lines.length > 2 ? lines.join('\n') : '';
}

interface ScoredSentence {
  sentence: string;
  /** Position in the passage, so quoted sentences keep their order. */
  index: number;
  /** How many of the question's terms the sentence contains. */
  overlap: number;
}

/** The passage's sentences sharing most terms with the question, best first. */
function bestSentences(text: string, queryTerms: Set<string>, count: number): ScoredSentence[] {
  const sentences = proseParagraphs(text)
    .flatMap((paragraph) => paragraph.split(/(?<=[.!?])\s+(?=[A-Z`*(])/))
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
    .slice(0, count);
}

const UNDERLINE = /^\s*[=\-~^"'`*+#:.]{3,}\s*$/;
const MARKDOWN_HEADING = /^\s{0,3}#{1,6}(\s|$)/;
const TABLE_ROW = /^\s*(\||\+[-=+]+\+)/;
const LIST_ITEM = /^\s*([-*+]|\d+[.)])\s+/;

/**
 * The prose of a passage, one string per paragraph, so that a quoted sentence never runs across a heading, a
 * code block or a table into the next paragraph. Markdown and reStructuredText are both recognised.
 */
export function proseParagraphs(text: string): string[] {
  const withoutCode = text.replace(/^---\n[\s\S]*?\n---\n/, '').replace(/^\s*(```|~~~)[\s\S]*?^\s*\1.*$/gm, '\n');
  const blocks = withoutCode.split(/\n\s*\n/);
  const paragraphs: string[] = [];
  for (const block of blocks) {
    const lines = block.split('\n').filter((line) => line.trim());
    if (!lines.length) continue;
    // Directives and indented blocks (reST literal blocks, Markdown indented code) are not prose.
    if (/^\s*\.\. /.test(lines[0]) || lines.every((line) => /^( {4}|\t)/.test(line))) continue;
    const kept = lines.filter(
      (line, i) => !UNDERLINE.test(line) && !UNDERLINE.test(lines[i + 1] ?? '') && !MARKDOWN_HEADING.test(line) && !TABLE_ROW.test(line),
    );
    // Each list item is a paragraph of its own.
    let current: string[] = [];
    const flush = () => {
      const paragraph = current.join(' ').replace(/::$/, ':');
      if (paragraph) paragraphs.push(paragraph);
      current = [];
    };
    for (const line of kept) {
      const item = LIST_ITEM.exec(line);
      if (item) flush();
      current.push((item ? line.slice(item[0].length) : line).trim());
    }
    flush();
  }
  return paragraphs;
}

/**
 * A doc sentence as the extract shows it: markup reduced to text (roles, relative links), and a bracketed number
 * the doc itself wrote (`RFC 6585 [2]`) escaped, so it never reads as a citation of another source.
 */
function quotable(sentence: string): string {
  return escapeMarkers(plainInlineText(sentence));
}

/** Headings go inside `**…**`; stray asterisks must not end the bold early. */
function escapeInline(text: string): string {
  return text.replace(/([*_`[\]])/g, '\\$1');
}
