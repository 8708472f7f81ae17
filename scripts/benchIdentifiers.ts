/**
 * The identifier lookup of `npm run bench` (hover and `lookup_docs`): for each name of the identifier sets (names
 * written as code in the docs, drawn at random; `../shared/eval/README.md`), do the passages shown hold it as a
 * whole word? And for common code words, how often does a hover show anything at all?
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DocsIndex } from '../src/core/indexing/docsIndex';
import { lookupIdentifier } from '../src/core/retrieval/identifierLookup';
import { ms, pct, percentile, row } from './benchFormat';
import { EVAL } from './evalSets';

type Log = (line?: string) => void;

/** Words every codebase is full of, chosen for this bench: a hover on one of them should show nothing. */
export const COMMON_CODE_WORDS = [
  'self',
  'return',
  'int',
  'value',
  'config',
  'data',
  'result',
  'string',
  'list',
  'true',
  'false',
  'none',
  'null',
  'void',
  'import',
  'from',
  'class',
  'def',
  'for',
  'while',
  'if',
  'else',
  'print',
  'len',
  'range',
  'args',
  'kwargs',
  'name',
  'type',
  'size',
  'index',
  'count',
  'error',
  'object',
  'function',
  'const',
  'static',
  'public',
  'private',
  'new',
];

export interface IdentifierScores {
  identifiers: number;
  anyShown: number;
  firstHolds: number;
  inFirstThree: number;
  latencies: number[];
  commonShown: number;
}

export async function readIdentifiers(set: string): Promise<string[]> {
  const raw = await fs.readFile(path.join(EVAL, set, 'identifiers-dev.jsonl'), 'utf8');
  return raw
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { identifier: string }).identifier);
}

export function scoreIdentifiers(index: DocsIndex, identifiers: string[]): IdentifierScores {
  const search = (query: string, options: Parameters<DocsIndex['searchLexical']>[1]) => index.searchLexical(query, options);
  const scores: IdentifierScores = {
    identifiers: identifiers.length,
    anyShown: 0,
    firstHolds: 0,
    inFirstThree: 0,
    latencies: [],
    commonShown: 0,
  };
  for (const identifier of identifiers) {
    const started = performance.now();
    const hits = lookupIdentifier(search, identifier, 3);
    scores.latencies.push(performance.now() - started);
    const holds = (text: string) =>
      new RegExp(`(?<![A-Za-z0-9_])${identifier.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`).test(text);
    if (hits.length) scores.anyShown++;
    if (hits[0] && holds(`${hits[0].result.headingPath.join('\n')}\n${hits[0].result.text}`)) scores.firstHolds++;
    if (hits.some((h) => holds(`${h.result.headingPath.join('\n')}\n${h.result.text}`))) scores.inFirstThree++;
  }
  for (const word of COMMON_CODE_WORDS) if (lookupIdentifier(search, word, 3).length) scores.commonShown++;
  return scores;
}

/** The figures the issue measured before the lookup existed (lexical search, the common-word filter, all terms). */
const BEFORE: Record<string, [string, string, string]> = {
  'ray-docs': ['70', '45 (39%)', '59 (52%)'],
  'cpp-docs': ['136', '100 (67%)', '118 (79%)'],
};

export function benchIdentifiers(log: Log, sets: Array<{ name: string; index: DocsIndex; identifiers: string[] }>): void {
  log('## Identifier lookup (hover and `lookup_docs`)');
  log();
  log(
    `Command: \`npm run bench\`. Every name of each set's \`identifiers-dev.jsonl\` looked up as a hover does (\`lookupIdentifier\`, the lexical index alone, best 3). A lookup finds a name when a passage it shows holds it as a whole word. "Before" is the hover of the previous release, as measured in the issue. Common code words: ${COMMON_CODE_WORDS.length} words of this bench's own choosing (\`scripts/benchIdentifiers.ts\`), each of which should show nothing. Targets: first passage holds it ≥ 85%, in the first three ≥ 95%, common words shown ≤ 10%, lookup p95 ≤ 10 ms on cpp-docs.`,
  );
  log();
  log(
    row([
      'set',
      'identifiers',
      'any passage shown',
      'first passage holds it',
      'in the first three',
      'common words shown',
      'lookup p50 / p95',
      'before: shown / first / first three',
    ]),
  );
  log(row(['---', '---', '---', '---', '---', '---', '---', '---']));
  for (const { name, index, identifiers } of sets) {
    const s = scoreIdentifiers(index, identifiers);
    log(
      row([
        name,
        String(s.identifiers),
        String(s.anyShown),
        `${s.firstHolds} (${pct(s.firstHolds / s.identifiers)})`,
        `${s.inFirstThree} (${pct(s.inFirstThree / s.identifiers)})`,
        `${s.commonShown} of ${COMMON_CODE_WORDS.length} (${pct(s.commonShown / COMMON_CODE_WORDS.length)})`,
        `${ms(percentile(s.latencies, 0.5))} / ${ms(percentile(s.latencies, 0.95))}`,
        BEFORE[name]?.join(' / ') ?? '',
      ]),
    );
  }
  log();
}
