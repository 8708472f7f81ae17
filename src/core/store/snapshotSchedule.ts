import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotStatus } from './describeSnapshot';
import { SNAPSHOT_FILE, type SnapshotContent, writeSnapshot } from './searchSnapshot';

export type SnapshotCapture = () => SnapshotContent;

/**
 * When an index's search snapshot is written: after a quiet moment, not after every edit (each write rewrites the
 * whole file), one write at a time, and at once on `save` (before a process exits). Its timer never keeps a
 * process alive.
 */
export class SnapshotSchedule {
  private dirty = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private due = 0;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly capture: SnapshotCapture,
    private readonly log: (message: string) => void,
    /** Throws when this process may no longer write the index (its lock is gone). */
    private readonly mayWrite: () => Promise<void> = async () => {},
  ) {}

  /** Memory changed: write within `delayMs`, or sooner if an earlier write is already due. */
  changed(delayMs: number): void {
    this.dirty = true;
    const due = Date.now() + delayMs;
    if (this.timer && this.due <= due) return;
    clearTimeout(this.timer);
    this.due = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.save().catch((error) => this.log(`Could not write the search snapshot: ${(error as Error).message}`));
    }, delayMs);
    this.timer.unref?.();
  }

  /** Writes the snapshot now if memory changed since the last one; returns once it is on disk. */
  async save(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // Writes share a temporary file; a caller arriving during one waits for it, then writes what is left.
    while (this.writing) await this.writing.catch(() => undefined);
    if (!this.dirty) return;
    this.dirty = false;
    this.writing = this.mayWrite().then(() => writeSnapshot(this.dir, this.capture));
    try {
      await this.writing;
    } catch (error) {
      this.dirty = true;
      throw error;
    } finally {
      this.writing = undefined;
    }
  }

  async status(): Promise<SnapshotStatus> {
    const bytes = await fs
      .stat(join(this.dir, SNAPSHOT_FILE))
      .then((stat) => stat.size)
      .catch(() => 0);
    return { state: this.dirty || this.writing ? 'pending' : bytes ? 'current' : 'none', bytes };
  }
}
