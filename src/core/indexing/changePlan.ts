import type { ChunkRecord } from '../retrieval/frozenIndex';
import { searchableText } from '../retrieval/searchIndex';
import type { IndexedChunks, Placement } from '../store/indexStore';
import { chunkId } from '../store/storedChunk';
import type { Chunk } from '../types';

/** What an update does with one of a file's new chunks, and where its vector can come from. */
export interface PlannedChunk {
  chunk: Chunk;
  id: string;
  /** The text that is embedded and analyzed: headings and body. */
  text: string;
  placement: Placement;
  /** An indexed chunk whose vector this one can reuse (same text), or undefined when it must be embedded. */
  reuseVectorOf: string | undefined;
}

/**
 * Compares a file's chunks now with the chunks it has indexed. A chunk is `same` when the one under its id has its
 * content and lines, `moved` when only the lines differ, `new` otherwise; a `new` chunk whose text some indexed
 * chunk of the file has (a section moved within the page, or the file moved with its folder) reuses that vector. Pure: nothing is read or written.
 */
export function planFileChunks(path: string, chunks: Chunk[], indexed: IndexedChunks | undefined): PlannedChunk[] {
  const previousById = new Map((indexed ?? []).map(({ id, chunk }) => [id, chunk]));
  // Matched on headings and body, not the path: a file moved with its folder keeps its vectors (made with its old
  // path's words, a small part of them) instead of sending every chunk to the embedder again.
  const idByText = new Map((indexed ?? []).map(({ id, chunk }) => [searchableText({ ...chunk, path: '' }), id]));
  return chunks.map((chunk, i) => {
    const id = chunkId(path, i);
    const text = searchableText(chunk);
    const previous = previousById.get(id);
    const placement: Placement = !previous || !sameContent(previous, chunk) ? 'new' : sameLines(previous, chunk) ? 'same' : 'moved';
    return { chunk, id, text, placement, reuseVectorOf: placement === 'new' ? idByText.get(searchableText({ ...chunk, path: '' })) : id };
  });
}

/** Same text, headings, anchor and count: the chunk indexes and embeds as it did (its lines aside). */
export function sameContent(previous: ChunkRecord, chunk: Chunk): boolean {
  return (
    previous.text === chunk.text &&
    previous.anchor === chunk.anchor &&
    previous.tokens === chunk.tokens &&
    previous.headingPath.length === chunk.headingPath.length &&
    previous.headingPath.every((heading, i) => heading === chunk.headingPath[i])
  );
}

export function sameLines(previous: ChunkRecord, chunk: Chunk): boolean {
  return previous.startLine === chunk.startLine && previous.endLine === chunk.endLine;
}
