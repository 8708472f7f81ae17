import path from 'node:path';
import { DocsIndex } from './src/core/indexing/docsIndex';
import { HashingEmbedder } from './src/core/embedding/hashingEmbedder';
import { EVAL } from './scripts/evalSets';
import { readIdentifiers, scoreIdentifiers } from './scripts/benchIdentifiers';
import { lookupIdentifier } from './src/core/retrieval/identifierLookup';
(async () => {
  for (const [set, dir] of [['ray-docs', '/tmp/groundwork-bench/mcp-ray-index'], ['cpp-docs', '/tmp/groundwork-bench/cpp-ident']]) {
    const index = await DocsIndex.open({ root: path.join(EVAL, set, 'corpus'), indexDir: dir, embedder: new HashingEmbedder() });
    if (!index.fileCount) await index.update();
    const ids = await readIdentifiers(set);
    const s = scoreIdentifiers(index, ids);
    const l = s.latencies.sort((a, b) => a - b);
    console.log(set, { ...s, latencies: undefined, p50: l[Math.floor(l.length / 2)].toFixed(1), p95: l[Math.floor(l.length * 0.95)].toFixed(1) });
    const search = (q: string, o: object) => index.searchLexical(q, o);
    for (const id of ids) {
      const hits = lookupIdentifier(search, id, 3);
      const re = new RegExp(`(?<![A-Za-z0-9_])${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`);
      if (!hits[0] || !re.test(hits[0].result.headingPath.join('\n') + '\n' + hits[0].result.text)) console.log('  miss first:', id, hits.length);
    }
    await index.close();
  }
})();
