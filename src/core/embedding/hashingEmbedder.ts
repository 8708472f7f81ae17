import { fnv1a } from '../hash';
import { analyze, words } from '../retrieval/analyzer';
import { type Embedder, normalize } from './embedder';

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

  constructor(options: HashingEmbedderOptions = {}) {
    this.dimensions = options.dimensions ?? 256;
    this.id = `hashing-v1-${this.dimensions}`;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    signal?.throwIfAborted();
    return texts.map((text) => this.embedOne(text));
  }

  embedOne(text: string): Float32Array {
    const counts = new Map<string, number>();
    const add = (feature: string, weight: number) => counts.set(feature, (counts.get(feature) ?? 0) + weight);
    const terms = analyze(text);
    for (let i = 0; i < terms.length; i++) {
      add(`t:${terms[i]}`, 1);
      if (i + 1 < terms.length) add(`b:${terms[i]} ${terms[i + 1]}`, 0.5);
    }
    for (const word of words(text)) {
      if (word.length < 4 || word.length > 30) continue;
      const padded = `<${word}>`;
      for (let i = 0; i + 4 <= padded.length; i++) add(`g:${padded.slice(i, i + 4)}`, 0.25);
    }
    const vector = new Float32Array(this.dimensions);
    for (const [feature, count] of counts) {
      const hash = fnv1a(feature);
      const sign = hash & 0x80000000 ? -1 : 1;
      // Sublinear term frequency: a term repeated ten times is not ten times as telling.
      vector[(hash & 0x7fffffff) % this.dimensions] += sign * (count > 1 ? 1 + Math.log(count) : count);
    }
    return normalize(vector);
  }
}
