/** Claim-level evidence for `npm run bench`: how often a citation's evidence lines fall inside the gold section. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { answerQuestion } from '../src/core/answer/answerQuestion';
import type { EvalQuery } from '../src/core/eval/metrics';
import { splitLines } from '../src/core/discovery/readDocument';
import type { DocsIndex } from '../src/core/indexing/docsIndex';
import { pct, row } from './benchFormat';

type Log = (line?: string) => void;

/**
 * Offline extracts (no model can be reached here) for every ray-docs dev question. For each citation of a gold
 * file, is the cited range inside the gold section's lines: the evidence lines Groundwork selects, against the whole
 * passage a citation used to select.
 */
export async function benchEvidence(log: Log, index: DocsIndex, queries: EvalQuery[]): Promise<void> {
  let answered = 0;
  let citations = 0;
  let matched = 0;
  let evidenceInside = 0;
  let passageInside = 0;
  let evidenceLines = 0;
  let passageLines = 0;
  for (const query of queries) {
    const gold = (query.relevant_sections ?? []).filter((s) => s.lines);
    if (!gold.length) continue;
    const answer = await answerQuestion({
      question: query.question,
      search: (q, k) => index.search(q, { k }),
      searchedFiles: index.fileCount,
      readFileLines: async (source) => splitLines(await fs.readFile(path.join(index.root, source.path), 'utf8')),
    });
    if (answer.verdict !== 'offline-extract') continue;
    answered++;
    for (const evidence of answer.evidence ?? []) {
      const source = answer.sources.find((s) => s.n === evidence.n)!;
      const sections = gold.filter((s) => s.path === source.path);
      if (!sections.length) continue;
      citations++;
      if (evidence.matched) matched++;
      const inside = (from: number, to: number) => sections.some((s) => from >= s.lines![0] && to <= s.lines![1]);
      if (inside(evidence.startLine, evidence.endLine)) evidenceInside++;
      if (inside(source.startLine, source.endLine)) passageInside++;
      evidenceLines += evidence.endLine - evidence.startLine + 1;
      passageLines += source.endLine - source.startLine + 1;
    }
  }
  log('## Evidence for each claim');
  log();
  log(
    `Command: \`npm run bench\`. Every ray-docs dev question with a gold section, answered offline (cited extracts: no model can be reached on this machine). For each citation of a gold file: is the selected range inside the gold section's lines? ${answered} questions got an extract; ${citations} of their citations point into a gold file.`,
  );
  log();
  log(row(['what a click on `[n]` selects', 'inside the gold section', 'lines selected (mean)']));
  log(row(['---', '---', '---']));
  log(row(['the whole passage (before)', pct(passageInside / citations), (passageLines / citations).toFixed(1)]));
  log(row(['**the evidence lines (now)**', pct(evidenceInside / citations), (evidenceLines / citations).toFixed(1)]));
  log();
  log(
    `${pct(matched / citations)} of these citations have evidence lines (a line shares a term with the cited sentence); the rest select the passage. scifact has no section labels (an abstract is one section), so it is not measured here. A model-written answer paraphrases, so its evidence is found by term overlap rather than by quotation: expect lower agreement there, not measurable on this machine.`,
  );
  log();
}
