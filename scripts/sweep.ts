// Parameter sweep on the eval sets: chunk size, overlap and fusion weight. Prints one line per setting.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DocsIndex } from '../src/core/docsIndex';
import { HashingEmbedder } from '../src/core/embedding/hashingEmbedder';
import { type EvalQuery, scoreRun } from '../src/core/eval/metrics';

const EVAL = path.resolve(__dirname, '../../shared/eval');

async function main() {
  const set = process.argv[2] ?? 'ray-docs';
  const sizes = (process.argv[3] ?? '400').split(',').map(Number);
  const overlaps = (process.argv[4] ?? '0').split(',').map(Number);
  const weights = (process.argv[5] ?? '0.7').split(',').map(Number);
  const dims = Number(process.argv[6] ?? 256);
  const merges = (process.argv[7] ?? '0').split(',').map(Number);
  const queries: EvalQuery[] = (await fs.readFile(`${EVAL}/${set}/queries-dev.jsonl`, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  for (const maxTokens of sizes) {
    for (const overlapLines of overlaps)
      for (const mergeSectionsUpTo of merges) {
        const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gw-sweep-'));
        const index = await DocsIndex.open({
          root: `${EVAL}/${set}/corpus`,
          indexDir: dir,
          embedder: new HashingEmbedder({ dimensions: dims }),
          chunkSizing: { maxTokens, overlapLines, mergeSectionsUpTo },
        });
        await index.update();
        for (const lexicalWeight of weights) {
          const ranked = new Map();
          for (const q of queries) ranked.set(q.id, await index.search(q.question, { k: 50, lexicalWeight }));
          const s = scoreRun(queries, ranked);
          console.log(
            `${set} max=${maxTokens} overlap=${overlapLines} w=${lexicalWeight} dims=${dims} chunks=${index.chunkCount} ndcg10=${s.ndcg10} r5=${s.r5} mrr10=${s.mrr10} sec5=${s.sec5}`,
          );
        }
        await fs.rm(dir, { recursive: true });
      }
  }
}
main();
