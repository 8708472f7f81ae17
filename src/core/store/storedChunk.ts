import type { IndexedChunk } from '../retrieval/searchIndex';
import type { StoredChunk } from './vectraShards';

/** A chunk's id: its file's path and its place among that file's chunks. */
export function chunkId(path: string, ordinal: number): string {
  return `${path}#${ordinal}`;
}

/** The ids of a file's chunks, `path#0` to `path#(chunks - 1)`. */
export function chunkIdsOf(path: string, chunks = 0): string[] {
  return Array.from({ length: chunks }, (_, i) => chunkId(path, i));
}

export function pathOfChunkId(id: string): string {
  return id.slice(0, id.lastIndexOf('#'));
}

/**
 * Vectors keep four decimals, in memory as on disk (ranking unit vectors the same, in about half the bytes). On
 * disk each component is an integer count of 1/VECTOR_SCALE: JSON writes and parses integers about three times
 * faster than decimals, and a Vectra query still ranks them right, cosine similarity being blind to scale.
 */
const VECTOR_SCALE = 1e4;

export function roundVector(vector: Float32Array): Float32Array {
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = Math.round(vector[i] * VECTOR_SCALE) / VECTOR_SCALE;
  return out;
}

/**
 * The vector as the shard stores it: each component an integer count of 1/VECTOR_SCALE, as 16-bit little-endian
 * integers in base64, in the item's metadata. Written as a JSON array of numbers (as before), turning 16 million
 * numbers into text and back took about a second of a cpp-docs build, and each array was 1 KB of garbage.
 */
function encodedVector(vector: Float32Array): string {
  const bytes = Buffer.allocUnsafe(vector.length * 2);
  // Unit vectors stay within ±VECTOR_SCALE; the clamp keeps a stray component from failing the whole write.
  for (let i = 0; i < vector.length; i++)
    bytes.writeInt16LE(Math.max(-32767, Math.min(32767, Math.round(vector[i] * VECTOR_SCALE) || 0)), i * 2);
  return bytes.toString('base64');
}

function decodedVector(encoded: string): Float32Array | undefined {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length % 2) return undefined;
  const vector = new Float32Array(bytes.length / 2);
  for (let i = 0; i < vector.length; i++) vector[i] = bytes.readInt16LE(i * 2) / VECTOR_SCALE;
  return vector;
}

/** A chunk as a shard item, carrying the content hash of the file it was cut from. */
export function toStoredChunk(chunk: IndexedChunk, fileHash: string): StoredChunk {
  return {
    id: chunk.id,
    // Vectra requires a vector; Groundwork never asks Vectra to rank, and keeps its own in `metadata.vector`.
    vector: [],
    metadata: {
      path: chunk.path,
      startLine: chunk.startLine,
      endLine: chunk.endLine,
      headingPath: JSON.stringify(chunk.headingPath),
      anchor: chunk.anchor,
      text: chunk.text,
      tokens: chunk.tokens,
      fileHash,
      vector: encodedVector(chunk.vector),
    },
  };
}

/**
 * A vector as shards before this version held it, in Vectra's own field: integers in units of 1/VECTOR_SCALE, or,
 * in shards written before vectors were scaled, the decimals themselves. A unit vector's largest component is at
 * least 1/sqrt(dimensions), so scaled it is above 1 and unscaled it never is: each item tells which it is.
 */
function legacyVector(stored: number[]): Float32Array {
  const scale = stored.some((x) => Math.abs(x) > 1) ? VECTOR_SCALE : 1;
  const vector = new Float32Array(stored.length);
  for (let i = 0; i < stored.length; i++) vector[i] = stored[i] / scale;
  return vector;
}

/** A shard item as a chunk, or undefined when the item is malformed. */
export function toIndexedChunk(item: StoredChunk): IndexedChunk | undefined {
  const m = item?.metadata;
  if (!m || typeof m.path !== 'string' || typeof m.text !== 'string') return undefined;
  const vector =
    typeof m.vector === 'string' ? decodedVector(m.vector) : Array.isArray(item.vector) ? legacyVector(item.vector) : undefined;
  if (!vector) return undefined;
  if (!Number.isInteger(m.startLine) || !Number.isInteger(m.endLine) || m.startLine < 1 || m.endLine < m.startLine) return undefined;
  let headingPath: string[] = [];
  try {
    headingPath = JSON.parse(m.headingPath);
  } catch {
    return undefined;
  }
  return {
    id: item.id,
    path: m.path,
    startLine: m.startLine,
    endLine: m.endLine,
    headingPath,
    anchor: m.anchor ?? '',
    text: m.text,
    tokens: m.tokens ?? 0,
    vector,
  };
}
