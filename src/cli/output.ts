/** How the CLI prints what it found: text for a person, JSON for a script. One place, so the two agree. */
import { formatBytes } from '../core/discovery/readDocument';
import type { DocsIndex, UpdateSummary } from '../core/indexing/docsIndex';
import { matchedWords } from '../core/retrieval/matchedWords';
import { describeIndexState, type Judgement } from '../core/retrieval/judgement';
import { describeSnapshot } from '../core/store/describeSnapshot';
import { oneLine } from '../core/text/terminalText';
import type { SearchResult } from '../core/types';
import { locationOf } from '../shared/citationMarkers';

export function toJsonResult(r: SearchResult) {
  return {
    path: r.path,
    startLine: r.startLine,
    endLine: r.endLine,
    score: round(r.score),
    lexicalScore: round(r.lexicalScore),
    vectorScore: round(r.vectorScore),
    coverage: round(r.coverage),
    heading: r.headingPath.join(' > '),
    anchor: r.anchor,
    text: r.text,
  };
}

function round(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

/** The question's words a result holds: why it was found. */
export function matchesOf(question: string, r: SearchResult): string[] {
  return matchedWords(question, { path: r.path, heading: r.headingPath.join(' '), text: r.text });
}

/** `--abstain-threshold`, checked; the default is the core's. */

export function formatResults(question: string, results: SearchResult[], judgement: Judgement): string {
  if (!results.length) return 'No matching passages.\n';
  const notes = [
    ...(judgement.covered
      ? []
      : [
          `The docs do not appear to cover this (${judgement.reason ?? `the best passage covers ${Math.round(judgement.coverage * 100)}% of the question`}). The nearest passages:`,
        ]),
    ...(judgement.index.state === 'ready' ? [] : [describeIndexState(judgement.index)]),
  ];
  return (
    (notes.length ? `${notes.join('\n')}\n` : '') +
    results
      .map((r, i) => {
        const preview = r.text
          .split('\n')
          .filter((l) => l.trim())
          .slice(0, 2)
          .join(' ')
          .slice(0, 160);
        // Coverage, not the fused score: results are ranked by page too, so a score beside them would look out of order.
        const matches = matchesOf(question, r);
        const covers = `covers ${Math.round(r.coverage * 100)}% of the question${matches.length ? `: ${matches.join(', ')}` : ''}`;
        return `${i + 1}. ${oneLine(locationOf(r))}  ${oneLine(r.headingPath.join(' > '))}  (${covers})\n   ${oneLine(preview)}`;
      })
      .join('\n')
      .concat('\n')
  );
}

export function formatSummary(summary: UpdateSummary, index: DocsIndex): string {
  const state = summary.cancelled ? 'Cancelled; kept' : 'Indexed';
  return `${state}: ${index.fileCount} files, ${summary.chunks} chunks (${summary.added} added, ${summary.changed} changed, ${summary.removed} removed, ${summary.unchanged} unchanged, ${summary.skipped} skipped).\n`;
}

export function formatStatus(status: Awaited<ReturnType<DocsIndex['status']>>): string {
  const lines = [
    `folder:    ${status.root}`,
    `index:     ${status.indexDir}${status.readOnly ? ` (read-only index: ${status.readOnly})` : ''}`,
    `files:     ${status.files}`,
    `chunks:    ${status.chunks}`,
    `embedder:  ${status.embedder} (${status.dimensions} dimensions)`,
    `size:      ${formatBytes(status.sizeOnDiskBytes)}`,
    `updated:   ${status.updatedAt}`,
    `snapshot:  ${describeSnapshot(status.snapshot)}`,
    `integrity: ${status.problems.length ? `${status.problems.length} problem(s); \`groundwork index\` repairs them` : 'ok (every shard read and checked against the manifest)'}`,
    ...status.problems.map((p) => `  ${oneLine(p)}`),
    `skipped:   ${status.skipped.length}`,
    // A path thousands of characters long (a hostile tree) is cut in the middle, as its reason is.
    ...status.skipped.map((s) => `  ${oneLine(middleCut(s.path))}: ${oneLine(middleCut(s.reason))}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Text longer than 200 characters, its middle replaced by an ellipsis. */
function middleCut(text: string): string {
  return text.length > 200 ? `${text.slice(0, 95)}…${text.slice(-95)}` : text;
}
