import { createEmbedder } from '../embedding/createEmbedder';
import type { DocsIndexOptions } from '../indexing/docsIndex';
import { bundledChunkWorker } from '../indexing/fileProcessor';
import type { Settings } from '../settings';

/** What the settings cannot say: the key, workspace trust, and where notices go. */
export interface IndexEnv {
  /** The model API key, for a remote embedder. */
  apiKey?: string;
  /** An untrusted workspace follows no link out of its folder, whatever the setting says. */
  trusted?: boolean;
  /** Embedding dimensions (the CLI's `--dimensions`; the embedder's default otherwise). */
  dimensions?: number;
  log?: (message: string) => void;
}

/**
 * The index of one folder as the settings describe it, the same for every surface (the editor's worker, the CLI,
 * the MCP server, the benchmarks): its embedder, what it reads, the size limit, and reading and chunking off the
 * main thread.
 */
export function indexSetup(
  settings: Settings,
  folder: { root: string; indexDir: string },
  env: IndexEnv = {},
): Pick<DocsIndexOptions, 'root' | 'indexDir' | 'embedder' | 'discovery' | 'maxFileBytes' | 'chunkWorker' | 'log'> {
  return {
    root: folder.root,
    indexDir: folder.indexDir,
    embedder: createEmbedder({
      // Remote embeddings send document text off the machine: never from an untrusted workspace.
      kind: env.trusted === false ? 'offline' : settings['index.embedder'],
      baseURL: settings['model.baseUrl'] || undefined,
      apiKey: env.apiKey,
      model: settings['index.embeddingModel'] || undefined,
      dimensions: env.dimensions,
      redactSecrets: settings['privacy.redactSecrets'],
    }),
    discovery: {
      include: settings['index.include'],
      exclude: settings['index.exclude'],
      followExternalSymlinks: settings['index.followExternalSymlinks'] && env.trusted !== false,
    },
    maxFileBytes: Math.round(settings['index.maxFileSizeKB'] * 1024),
    chunkWorker: bundledChunkWorker(),
    log: env.log,
  };
}
