import { readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const LOCK_FILE = 'index.lock';

/** Who holds an index's write lock. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** When the owning process started (from /proc on Linux), to tell a live owner from a reused pid. */
  processStart: string;
  acquiredAt: string;
  /** Tells this acquisition from any other, so a release never removes a lock taken since. */
  token: string;
}

export class IndexBusyError extends Error {
  constructor(
    readonly indexDir: string,
    readonly owner: LockOwner,
  ) {
    // A lock taken on another machine (a shared folder) cannot be checked from here: its host is named.
    const elsewhere = owner.hostname && owner.hostname !== os.hostname() ? ` on host ${owner.hostname}` : '';
    super(
      `another Groundwork process (pid ${owner.pid}${elsewhere}, since ${owner.acquiredAt}) is updating the index at ${indexDir}; ` +
        (elsewhere ? `it holds the lock until it releases it (remove ${LOCK_FILE} if that host is gone)` : 'try again when it finishes'),
    );
  }
}

/** Error codes that say the index folder cannot be written here (a full disk, a read-only or foreign folder). */
const UNWRITABLE = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EFBIG']);

/** Whether `error` says the index folder cannot be written (as opposed to a bug or a busy lock). */
export function isUnwritable(error: unknown): boolean {
  return UNWRITABLE.has((error as NodeJS.ErrnoException)?.code ?? '');
}

/** The lock vanished under a writer (its folder deleted, the lock removed): it stops writing at once. */
export class IndexLockLostError extends Error {
  constructor(readonly indexDir: string) {
    super(
      `the index at ${indexDir} lost its write lock (its folder was deleted or the lock removed) while this process wrote it; ` +
        'writing stopped, and the next update takes the lock again and rebuilds what is missing',
    );
  }
}

/** The index can be read but not written by this process: it is served as it is, and updates are refused. */
export class IndexReadOnlyError extends Error {
  constructor(
    readonly indexDir: string,
    readonly why: string,
  ) {
    super(`the index at ${indexDir} is read-only here (${why}); it is searched as it is, and not updated`);
  }
}

/**
 * One writer per index across processes (two editor windows, the CLI beside the editor): whoever holds
 * `index.lock` may write shards, the manifest and the snapshot; others read. A lock whose owner is gone (a crash,
 * kill -9) is taken over.
 */
export class IndexLock {
  private constructor(
    private readonly file: string,
    private readonly token: string,
  ) {}

  /** Takes the lock, or returns who holds it. Waits up to `waitMs` for a live owner to finish. */
  static async acquire(indexDir: string, waitMs = 0, onWait?: (owner: LockOwner) => void): Promise<IndexLock | { busy: LockOwner }> {
    const file = path.join(indexDir, LOCK_FILE);
    const deadline = Date.now() + waitMs;
    let told = false;
    for (;;) {
      const token = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      const owner = await tryCreate(file, token);
      if (!owner) return new IndexLock(file, token);
      // The lock is between processes; within one, the index a crash test or a reopen left open is taken over.
      if (!isAlive(owner) || (owner.pid === process.pid && owner.hostname === os.hostname())) {
        await removeIfStill(file, owner);
        continue;
      }
      if (Date.now() >= deadline) return { busy: owner };
      if (!told) onWait?.(owner);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(10, deadline - Date.now()))));
    }
  }

  /** Whether the lock file is still this acquisition's: not removed with its folder, not taken over. */
  async held(): Promise<boolean> {
    return (await readOwner(this.file))?.token === this.token;
  }

  async release(): Promise<void> {
    const owner = await readOwner(this.file);
    if (owner?.token === this.token) await fs.rm(this.file, { force: true });
  }
}

/** Creates the lock with its content in one step (write a private file, then hard-link it to the lock name). */
async function tryCreate(file: string, token: string): Promise<LockOwner | undefined> {
  const mine: LockOwner = {
    pid: process.pid,
    hostname: os.hostname(),
    processStart: processStart(process.pid),
    acquiredAt: new Date().toISOString(),
    token,
  };
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.mkdir(path.dirname(file), { recursive: true });
  try {
    // Inside the try: a full disk fails this write after creating the file, which must not be left behind.
    await fs.writeFile(temp, JSON.stringify(mine));
    await createWithContent(temp, file);
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // A lock file that cannot be read is one being written or damaged: treat it as held by nobody alive.
    return (await readOwner(file)) ?? { pid: 0, hostname: os.hostname(), processStart: '', acquiredAt: 'unknown', token: '' };
  } finally {
    await fs.rm(temp, { force: true });
  }
}

/** A hard link makes the lock appear with its content; where links are not supported, exclusive create and write. */
async function createWithContent(temp: string, file: string): Promise<void> {
  try {
    await fs.link(temp, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    await fs.writeFile(file, await fs.readFile(temp), { flag: 'wx' });
  }
}

/** Whether a live process holds the index's write lock (a lock left by a killed process does not count). */
export async function writerAlive(indexDir: string): Promise<boolean> {
  const owner = await readOwner(path.join(indexDir, LOCK_FILE));
  return owner !== undefined && isAlive(owner);
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await fs.readFile(file, 'utf8')) as LockOwner;
    return Number.isInteger(owner?.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes a stale lock only if it still is the one judged stale, so two processes recovering it at once do not
 * remove each other's new lock (the window between read and remove is a few microseconds, not a whole build).
 */
async function removeIfStill(file: string, stale: LockOwner): Promise<void> {
  const current = await readOwner(file);
  if (!current || current.token === stale.token) await fs.rm(file, { force: true });
}

function isAlive(owner: LockOwner): boolean {
  if (owner.pid <= 0) return false;
  // Another machine's process (a shared folder) cannot be checked: it holds the lock until it releases it.
  if (owner.hostname !== os.hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // The pid is in use; after a crash and a reboot or a long time it may be another program's.
  const start = processStart(owner.pid);
  return !owner.processStart || !start || start === owner.processStart;
}

/** The start time of a process in clock ticks since boot (Linux); empty where it cannot be read. */
function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name, which is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}
