// Import rules for src/, checked by `npm run lint`: no cycles (type-only imports count), and no import that climbs
// a layer. A folder may import folders of a lower rank only; the surfaces (CLI, extension, webview) sit on top.
const LAYERS = [
  // rank 0: shared words and helpers; the webview protocol
  ['src/core/[^/]+\\.ts$', 'src/core/text/', 'src/shared/'],
  // rank 1: leaves of the core, each on its own
  ['src/core/discovery/', 'src/core/retrieval/', 'src/core/providers/', 'src/core/eval/', 'src/core/secrets/'],
  // rank 2: built on the leaves
  ['src/core/chunking/', 'src/core/embedding/', 'src/core/store/', 'src/core/rerank/'],
  // rank 3: the pipelines (indexing, answering) and the docs tools every surface offers agents
  ['src/core/indexing/', 'src/core/answer/', 'src/core/docsTools/'],
  // rank 4: settings become the core (`setup`, for every surface); answers written as chat replies and the panel's
  // conversation; house style
  ['src/core/setup/', 'src/core/chatReply/', 'src/core/style/'],
  // rank 5: the index worker process and the host's client of it; the MCP server (started by the CLI)
  ['src/core/worker/', 'src/mcp/'],
  // rank 6: the surfaces
  ['src/cli/', 'src/extension/', 'src/webview/'],
];

const higherThan = (rank) => LAYERS.slice(rank + 1).flat();
const sameRankOthers = (rank, folder) => LAYERS[rank].filter((other) => other !== folder);

const climbing = LAYERS.flatMap((folders, rank) =>
  folders.map((folder) => ({
    name: `layer:${folder}`,
    comment: `${folder} (rank ${rank}) may import only lower layers: move the shared part down, or the caller up.`,
    severity: 'error',
    from: { path: `^${folder}` },
    to: { path: [...higherThan(rank), ...sameRankOthers(rank, folder)].map((p) => `^${p}`) },
  })),
);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'One module, one job: a cycle means two modules share one. Type-only imports count.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...climbing,
    {
      name: 'webview-is-a-browser-bundle',
      comment: 'The webview talks to the extension through src/shared/protocol.ts only.',
      severity: 'error',
      from: { path: '^src/webview/' },
      to: { path: '^src/(core|extension|cli)/' },
    },
    {
      name: 'core-runs-without-vscode',
      comment: 'The core and the CLI run in plain Node: `import type` from vscode only.',
      severity: 'error',
      from: { path: '^src/(core|cli|mcp|shared|webview)/' },
      to: { path: '^vscode$', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
