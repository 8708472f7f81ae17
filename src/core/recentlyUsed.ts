/**
 * A map that keeps at most `capacity` entries, dropping the one used longest ago: the caches that spare a query
 * work it did for an earlier one (analyzed passages, secret scans, pages of a snapshot, section outlines).
 */
export class RecentlyUsed<K, V> {
  private entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Re-inserted: a Map iterates in insertion order, so the first key is the one used longest ago.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** The value kept for `key`, or `derive`'s, kept from now on. */
  of(key: K, derive: (key: K) => V): V {
    let value = this.get(key);
    if (value === undefined) this.set(key, (value = derive(key)));
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
