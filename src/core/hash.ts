import { createHash } from 'node:crypto';

/** 32-bit FNV-1a: a fast, stable hash for bucketing (shards, feature hashing), not for integrity. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  return fnv1aOfRange(text, 0, text.length, seed);
}

/** `fnv1a` of `text.slice(start, end)`, without cutting the slice out as a string. */
export function fnv1aOfRange(text: string, start: number, end: number, seed = 0x811c9dc5): number {
  let hash = seed;
  for (let i = start; i < end; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
