import { formatBytes } from '../discovery/readDocument';

export interface SnapshotStatus {
  /** `pending`: changes since the file on disk are still to be written. */
  state: 'current' | 'pending' | 'none';
  bytes: number;
}

/** One line for the index status (CLI and editor): what the next open will read. */
export function describeSnapshot(snapshot: SnapshotStatus): string {
  if (snapshot.state === 'none') return 'none yet (the next open reads the shards, then writes one)';
  return `${formatBytes(snapshot.bytes)}, ${snapshot.state === 'current' ? 'current' : 'changes pending, written shortly'}`;
}
