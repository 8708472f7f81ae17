/** Where the benchmarks and the ranking trainer read the shared eval sets from (never copied into the repo). */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { EvalQuery } from '../src/core/eval/metrics';

export const EVAL = path.resolve(__dirname, '../../shared/eval');

/** A set's labelled dev questions, one JSON object a line. */
export async function readDevQueries(set: string): Promise<EvalQuery[]> {
  const raw = await fs.readFile(path.join(EVAL, set, 'queries-dev.jsonl'), 'utf8');
  return raw
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}
