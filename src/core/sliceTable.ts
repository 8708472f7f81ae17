/**
 * Values keyed by text, found from a slice of a longer text without cutting the slice out as a string: the
 * analyzer's words are looked up tens of millions of times while indexing a large tree, and a string made for each
 * lookup was much of its cost and garbage. Open addressing over `slots` (a power of two), at most half of them
 * used; the owner decides what to drop when it is `full`. Keys are hashed with `fnv1aOfRange`.
 */
export class SliceTable<V> {
  private readonly hashes: Uint32Array;
  private readonly keys: Array<string | undefined>;
  private readonly values: Array<V | undefined>;
  private size = 0;

  constructor(private readonly slots: number) {
    this.hashes = new Uint32Array(slots);
    this.keys = new Array<string | undefined>(slots).fill(undefined);
    this.values = new Array<V | undefined>(slots).fill(undefined);
  }

  get full(): boolean {
    return this.size >= this.slots / 2;
  }

  /** The value of `text.slice(start, end)`; `hash` is `fnv1aOfRange` of the same slice. */
  get(text: string, start: number, end: number, hash: number): V | undefined {
    for (let slot = this.firstSlot(hash), key = this.keys[slot]; key !== undefined; slot = this.nextSlot(slot), key = this.keys[slot]) {
      if (this.hashes[slot] === hash && sameText(key, text, start, end)) return this.values[slot];
    }
    return undefined;
  }

  /** Adds a key that is not in the table yet (the caller looked); a full table takes no more. */
  add(key: string, value: V, hash: number): void {
    if (this.full) return;
    let slot = this.firstSlot(hash);
    while (this.keys[slot] !== undefined) slot = this.nextSlot(slot);
    // A slice of a longer string keeps all of that string alive: a longer key is kept as a copy.
    this.keys[slot] = key.length > 12 ? Buffer.from(key).toString() : key;
    this.hashes[slot] = hash;
    this.values[slot] = value;
    this.size++;
  }

  clear(): void {
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.size = 0;
  }

  private firstSlot(hash: number): number {
    return (hash ^ (hash >>> 15)) & (this.slots - 1);
  }

  private nextSlot(slot: number): number {
    return (slot + 1) & (this.slots - 1);
  }
}

function sameText(key: string, text: string, start: number, end: number): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) !== text.charCodeAt(start + i)) return false;
  return true;
}
