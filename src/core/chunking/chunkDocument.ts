import type { Chunk } from '../types';
import { splitLines } from '../discovery/readDocument';
import { notebookMarkdownLines } from './notebookLines';
import { outlineMarkdown } from './markdownOutline';
import { type Outline, toSourceLines } from './outline';
import { outlineAsciidoc, outlinePlain } from './plainOutline';
import { outlineRst } from './rstOutline';
import { type ChunkSizing, type KnownTokenCounts, splitOutline } from './splitOutline';

export type { ChunkSizing } from './splitOutline';

/** Chosen on the eval sets (see BENCHMARKS.md, "chunk size"). */
export const DEFAULT_CHUNK_SIZING: ChunkSizing = { maxTokens: 400, overlapLines: 0, mergeSectionsUpTo: 200 };

export function documentKind(path: string): 'markdown' | 'rst' | 'notebook' | 'asciidoc' | 'plain' {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  if (ext === 'md' || ext === 'mdx' || ext === 'markdown') return 'markdown';
  if (ext === 'rst') return 'rst';
  if (ext === 'ipynb') return 'notebook';
  if (ext === 'adoc' || ext === 'asciidoc') return 'asciidoc';
  return 'plain';
}

/** Splits one document into line-addressed chunks by its markup's sections. Deterministic for the same input. */
export function chunkDocument(path: string, text: string, sizing: ChunkSizing = DEFAULT_CHUNK_SIZING, known?: KnownTokenCounts): Chunk[] {
  return splitOutline(path, outlineDocument(path, text), sizing, known);
}

export function outlineDocument(path: string, text: string): Outline {
  switch (documentKind(path)) {
    case 'markdown':
      return outlineMarkdown(toSourceLines(splitLines(text)));
    case 'rst':
      return outlineRst(toSourceLines(splitLines(text)));
    case 'notebook':
      return outlineMarkdown(notebookMarkdownLines(text));
    case 'asciidoc':
      return outlineAsciidoc(toSourceLines(splitLines(text)));
    default:
      return outlinePlain(toSourceLines(splitLines(text)));
  }
}
