/** Turns texts into unit-length vectors. Every vector an index holds comes from one embedder, named by `id`. */
export interface Embedder {
  /** Identifies the model and its settings; an index built by another id is rebuilt, never mixed. */
  readonly id: string;
  readonly dimensions: number;
  /** Embeds in this process, with no network call (the offline embedder): a query's vector costs only computation. */
  readonly local?: boolean;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] /= norm;
  return vector;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** How the log names an embedder that cannot embed queries (the editor offers the offline embedder on it). */
export const EMBEDDER_UNREACHABLE = 'The embedder cannot embed queries';
