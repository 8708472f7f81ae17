import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

const created: string[] = [];
const closers: Array<() => Promise<unknown>> = [];
after(async () => {
  // An index a test left open may still write a scheduled snapshot into its folder: it is closed first, so that
  // nothing writes into a folder while it is being removed (ENOTEMPTY).
  for (const close of closers.splice(0)) await close().catch(() => undefined);
  for (const dir of created) await fs.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
});

/** `close` runs when the test file finishes, before its folders are removed (for an index a test leaves open). */
export function closeAtEnd(close: () => Promise<unknown>): void {
  closers.push(close);
}

/** A fresh folder under the OS temp dir, removed when the test file finishes. */
export async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'groundwork-test-'));
  created.push(dir);
  return dir;
}

/** Writes `files` (relative path → content) under `root`, creating folders. */
export async function writeTree(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(root, relative);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, content);
  }
}
