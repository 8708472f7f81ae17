import { cpSync, existsSync, mkdirSync } from 'node:fs';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * Vectra's entry point also pulls in its web fetcher, gRPC server, CLI and the NLP model behind its own BM25
 * mode. Groundwork uses only LocalIndex storage (its lexical ranking is its own), so those packages are
 * replaced by a module that throws if anything ever calls into it. This keeps about 5 MB out of the bundle.
 */
const UNUSED_BY_GROUNDWORK =
  /^(wink-eng-lite-web-model|wink-nlp|wink-bm25-text-search|cheerio|turndown|@grpc\/grpc-js|@grpc\/proto-loader|yargs|yargs\/.*|json-colorizer|@huggingface\/transformers|protobufjs)$/;
const stubUnusedVectraFeatures = {
  name: 'stub-unused-vectra-features',
  setup(build) {
    build.onResolve({ filter: UNUSED_BY_GROUNDWORK }, (args) => ({ path: args.path, namespace: 'unused' }));
    build.onLoad({ filter: /.*/, namespace: 'unused' }, (args) => ({
      contents: `const fail = () => { throw new Error(${JSON.stringify(`${args.path} is not bundled with Groundwork`)}); };
module.exports = new Proxy(fail, { get: (_t, key) => (key === '__esModule' ? false : key === 'default' ? module.exports : fail), apply: fail });`,
      loader: 'js',
    }));
  },
};

/**
 * Vectra is only needed to read or write shard files, which opening an index with a current search snapshot
 * does not do; gpt-tokenizer decodes its tables on load, and searching never counts tokens. Each is bundled
 * once, in its own file, and required from there on first use, so the CLI and the index worker start without
 * compiling them.
 */
const ON_DEMAND = { vectra: './vectra.js', 'gpt-tokenizer': './tokenizer.js' };
const loadOnDemand = {
  name: 'load-on-demand',
  setup(build) {
    build.onResolve({ filter: /^(vectra|gpt-tokenizer)$/ }, (args) => ({ path: ON_DEMAND[args.path], external: true }));
  },
};
const onDemandBundle = (module, outfile) => ({
  ...node,
  plugins: [stubUnusedVectraFeatures],
  stdin: { contents: `module.exports = require('${module}');`, resolveDir: '.', sourcefile: 'on-demand-entry.js' },
  outfile,
});

const node = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'info',
  legalComments: 'none',
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  plugins: [stubUnusedVectraFeatures, loadOnDemand],
};

const builds = [
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['src/core/worker/workerMain.ts'], outfile: 'dist/worker.js' },
  { ...node, entryPoints: ['src/core/setup/answersBundle.ts'], outfile: 'dist/answers.js' },
  { ...node, entryPoints: ['src/core/style/styleBundle.ts'], outfile: 'dist/style.js' },
  // Only Vectra's LocalIndex (all Groundwork uses), not its entry point's document index, embeddings and
  // server: its own module, by path, since the package's exports name only the entry point.
  onDemandBundle('./node_modules/vectra/lib/LocalIndex.js', 'dist/vectra.js'),
  onDemandBundle('gpt-tokenizer', 'dist/tokenizer.js'),
  { ...node, entryPoints: ['src/cli/index.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  {
    bundle: true,
    minify: production,
    sourcemap: production ? false : 'linked',
    logLevel: 'info',
    legalComments: 'none',
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

const selected = builds
  .filter((b) => b.stdin || existsSync(b.entryPoints[0]))
  .filter((b) => !process.argv.includes('--only') || process.argv.includes(b.outfile.replace(/^dist\/|\.js$/g, '')));
// The webview uses VS Code's icon font, shipped with the extension (a webview cannot load it from VS Code).
mkdirSync('dist/codicons', { recursive: true });
for (const file of ['codicon.css', 'codicon.ttf']) cpSync(`node_modules/@vscode/codicons/dist/${file}`, `dist/codicons/${file}`);

if (watch) {
  for (const options of selected) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(selected.map((options) => esbuild.build(options)));
}
