/**
 * The build's floor (run by `npm run bench` in a process of its own, so its token counter starts as cold as a
 * build's): every file the index would read, read once and its tokens counted once with the build's own counter.
 * Prints the milliseconds that took, from after its modules loaded.
 *
 * usage: node --import tsx scripts/tokenFloor.ts DIR
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discoverDocuments } from '../src/core/discovery/discover';
import { withDefaults } from '../src/core/settings';
import { indexSetup } from '../src/core/setup/indexSetup';
import { countTokens } from '../src/core/tokens';

async function main(): Promise<void> {
  const root = process.argv[2];
  const started = performance.now();
  const { discovery } = indexSetup(withDefaults({}), { root, indexDir: path.join(os.tmpdir(), 'groundwork-floor-unused') });
  const { files } = await discoverDocuments(root, discovery);
  let tokens = 0;
  for (const file of files) tokens += countTokens(await fs.readFile(path.join(root, file.path), 'utf8'));
  if (!tokens) throw new Error('the floor counted no tokens');
  console.log(JSON.stringify({ ms: performance.now() - started, files: files.length, tokens }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
