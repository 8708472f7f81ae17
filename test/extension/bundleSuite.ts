import path from 'node:path';
import { buildSync } from 'esbuild';
import { RESULTS_FILE } from './results';

/**
 * Bundles the extension-host suite into `dir` for either host. `vscode` is the host's own; mocha is required
 * from this repository's node_modules (the bundle lives inside the repository, in an ignored folder).
 */
export function bundleSuite(dir: string): { suite: string; results: string } {
  const suite = path.join(dir, 'suite.js');
  buildSync({
    entryPoints: [path.join(__dirname, 'suite.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    outfile: suite,
    logLevel: 'error',
  });
  return { suite, results: path.join(dir, RESULTS_FILE) };
}
