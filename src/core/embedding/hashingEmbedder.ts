import { fnv1a } from '../hash';
import { analysis } from '../retrieval/analyzer';
import { type Embedder, normalize } from './embedder';
import { FeatureCounts } from './featureCounts';

export interface HashingEmbedderOptions {
  dimensions?: number;
}

/**
 * The offline embedder: no model, no network. Stemmed terms, stemmed term pairs and character n-grams
 * are hashed (with a sign bit, to keep collisions unbiased) into a fixed-size vector. It matches
 * spelling variants, inflections and split identifiers that exact term matching misses, which is what it
 * adds to the lexical ranker in hybrid search (measured in BENCHMARKS.md).
 */
export class HashingEmbedder implements Embedder {
  readonly dimensions: number;
  readonly id: string;
  readonly local = true;
  private readonly counts = new FeatureCounts();

  constructor(options: HashingEmbedderOptions = {}) {
    this.dimensions = options.dimensions ?? 256;
    this.id = `hashing-v3-${this.dimensions}`;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    signal?.throwIfAborted();
    return texts.map((text) => this.embedOne(text));
  }

  embedOne(text: string): Float32Array {
    // Features are keyed by their hash (a number), not by a string, to keep indexing free of garbage.
    const counts = this.counts;
    counts.clear();
    const { terms, words } = analysis(text);
    const termHashes = terms.map((term) => fnv1a(term, TERM_SEED));
    for (let i = 0; i < termHashes.length; i++) {
      counts.add(termHashes[i], 1);
      if (i + 1 < termHashes.length) counts.add(Math.imul(termHashes[i] ^ BIGRAM_SEED, 0x01000193) ^ termHashes[i + 1], 0.5);
    }
    for (const word of words) {
      if (word.length < 4 || word.length > 30) continue;
      // Character 4-grams of the word between boundary marks (`<word>`), hashed without building any string.
      const padded = word.length + 2;
      for (let i = 0; i + 4 <= padded; i++) {
        let hash = GRAM_SEED;
        for (let j = i; j < i + 4; j++) hash = Math.imul(hash ^ paddedCodeAt(word, j), 0x01000193);
        counts.add(hash >>> 0, 0.25);
      }
    }
    const vector = new Float32Array(this.dimensions);
    for (let i = 0; i < counts.size; i++) {
      const hash = counts.hashAt(i);
      const count = counts.weightAt(i);
      const sign = hash & 0x80000000 ? -1 : 1;
      // Sublinear term frequency: a term repeated ten times is not ten times as telling.
      vector[(hash & 0x7fffffff) % this.dimensions] += sign * (count > 1 ? 1 + Math.log(count) : count);
    }
    return normalize(vector);
  }
}

// Distinct seeds keep a term, a term pair and a character gram with the same letters apart.
const TERM_SEED = 0x811c9dc5;
const BIGRAM_SEED = 0x2545f491;
const GRAM_SEED = 0x5bd1e995;
const LEFT_MARK = '<'.charCodeAt(0);
const RIGHT_MARK = '>'.charCodeAt(0);

/** The character code at `at` of `<word>`. */
function paddedCodeAt(word: string, at: number): number {
  return at === 0 ? LEFT_MARK : at === word.length + 1 ? RIGHT_MARK : word.charCodeAt(at - 1);
}
