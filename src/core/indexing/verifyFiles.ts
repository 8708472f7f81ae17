import nodePath from 'node:path';
import { chunkDocument, type ChunkSizing } from '../chunking/chunkDocument';
import { readDocument } from '../discovery/readDocument';
import { contentHash } from '../hash';
import type { IndexStore } from '../store/indexStore';
import { chunkIdsOf } from '../store/storedChunk';
import type { Chunk } from '../types';
import { sameContent, sameLines } from './changePlan';

/**
 * The full check (`index --verify`): every indexed file is read again; where its content is what the manifest
 * records, it is chunked again and must give exactly the chunks the index holds (text, lines, headings). A file that
 * does not is dropped, and one whose content changed without its size or time changing is marked, so the next update
 * indexes both.
 */
export async function verifyAgainstFiles(store: IndexStore, root: string, sizing: ChunkSizing, containedIn?: string): Promise<void> {
  const broken: string[] = [];
  let changedUnnoticed = 0;
  for (const [path, entry] of Object.entries(store.files)) {
    const read = await readDocument(nodePath.join(root, path), Number.MAX_SAFE_INTEGER, containedIn);
    if (!read.ok || contentHash(read.text) !== entry.hash) {
      store.markForReading(path);
      changedUnnoticed++;
      continue;
    }
    let fresh: Chunk[];
    try {
      fresh = chunkDocument(path, read.text, sizing);
    } catch {
      broken.push(path);
      continue;
    }
    const held = chunkIdsOf(path, entry.chunks).map((id) => store.searchIndex.chunk(id));
    const agrees =
      held.length === fresh.length && held.every((chunk, i) => chunk && sameContent(chunk, fresh[i]) && sameLines(chunk, fresh[i]));
    if (!agrees) broken.push(path);
  }
  if (broken.length) {
    store.report(`Verify: ${broken.length} file(s) hold chunks that are not at their lines (${broken[0]}); they will be indexed again.`);
    store.dropFiles(broken);
  }
  if (changedUnnoticed) store.report(`Verify: ${changedUnnoticed} file(s) changed since they were indexed; they will be read again.`);
}
