import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomicWrite';
import { type FrozenIndex, frozenIndexProblem } from '../retrieval/frozenIndex';

export const SNAPSHOT_FILE = 'search-snapshot.bin';
const MAGIC = Buffer.from('GWSNAP\0\x01', 'latin1');
/** 2: vectors quantized to bytes with a scale per row (1: float32). */
const FORMAT_VERSION = 2;
const ALIGN = 8;

/** What the snapshot was built from; a snapshot built with other settings is ignored. */
export interface SnapshotIdentity {
  embedderId: string;
  dimensions: number;
  chunking: string;
  /** The text analyzer's version (`ANALYZER_VERSION`): the postings hold its terms. Absent before version 2. */
  analyzerVersion?: number;
}

/** Per indexed file, the content hash and the number of chunks the snapshot holds for it. */
export type SnapshotFiles = Record<string, [hash: string, chunks: number]>;

export type SnapshotRead =
  { state: 'missing' } | { state: 'unusable'; reason: string } | { state: 'ok'; frozen: FrozenIndex; files: SnapshotFiles };

interface Header extends SnapshotIdentity {
  formatVersion: number;
  rows: number;
  paths: string[];
  files: SnapshotFiles;
  /** Byte length of each section, in the order of `sectionsOf`. */
  sections: number[];
}

/** The typed-array sections of a frozen index, in file order; each starts on an 8-byte boundary. */
function sectionsOf(frozen: FrozenIndex, vocabulary: Buffer): Uint8Array[] {
  const bytes = (array: ArrayBufferView) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  return [
    bytes(frozen.lengths),
    bytes(frozen.lines),
    bytes(frozen.pathIndex),
    bytes(frozen.fieldOffsets),
    bytes(frozen.matrix),
    bytes(frozen.scales),
    bytes(frozen.termOffsets),
    bytes(frozen.postings),
    bytes(frozen.documentFrequency),
    vocabulary,
    frozen.strings,
  ];
}

/**
 * Writes the search index as one binary file next to the shards, write-then-rename so a reader sees the old
 * snapshot or the new one. The shards and the manifest stay the source of truth: the snapshot only lets a
 * large index open without parsing every shard and analyzing every chunk again.
 */
export async function writeSnapshot(dir: string, identity: SnapshotIdentity, frozen: FrozenIndex, files: SnapshotFiles): Promise<void> {
  const sections = sectionsOf(frozen, Buffer.from(frozen.vocabulary.join('\n')));
  const header: Header = {
    formatVersion: FORMAT_VERSION,
    ...identity,
    rows: frozen.rows,
    paths: frozen.paths,
    files,
    sections: sections.map((s) => s.byteLength),
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  await writeFileAtomic(
    path.join(dir, SNAPSHOT_FILE),
    async (handle) => {
      let offset = 0;
      const write = async (chunk: Uint8Array) => {
        await handle.write(chunk);
        offset += chunk.byteLength;
      };
      const pad = () => write(Buffer.alloc((ALIGN - (offset % ALIGN)) % ALIGN));
      await write(MAGIC);
      await write(length);
      await write(headerBytes);
      for (const section of sections) {
        await pad();
        await write(section);
      }
    },
    { durable: false },
  );
}

export async function readSnapshot(dir: string, expected: SnapshotIdentity): Promise<SnapshotRead> {
  let file: Buffer;
  try {
    file = await fs.readFile(path.join(dir, SNAPSHOT_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'unusable', reason: (error as Error).message };
  }
  try {
    return decode(file, expected);
  } catch (error) {
    return { state: 'unusable', reason: (error as Error).message };
  }
}

function decode(file: Buffer, expected: SnapshotIdentity): SnapshotRead {
  // Typed arrays need aligned offsets; a large file read has its own buffer, a small one may not.
  const bytes = file.byteOffset % ALIGN ? Buffer.from(file) : file;
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(MAGIC)) return { state: 'unusable', reason: 'not a Groundwork snapshot' };
  const headerLength = bytes.readUInt32LE(8);
  if (12 + headerLength > bytes.length) return { state: 'unusable', reason: 'truncated header' };
  const header = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength)) as Header;
  if (header.formatVersion !== FORMAT_VERSION) return { state: 'unusable', reason: `format ${header.formatVersion}` };
  if (
    header.embedderId !== expected.embedderId ||
    header.dimensions !== expected.dimensions ||
    header.chunking !== expected.chunking ||
    (header.analyzerVersion ?? 1) !== (expected.analyzerVersion ?? 1)
  ) {
    return { state: 'unusable', reason: 'built with other settings' };
  }
  if (
    !Array.isArray(header.sections) ||
    header.sections.length !== 11 ||
    !Array.isArray(header.paths) ||
    typeof header.files !== 'object'
  ) {
    return { state: 'unusable', reason: 'unexpected header' };
  }
  let offset = 12 + headerLength;
  const views: Uint8Array[] = [];
  for (const byteLength of header.sections) {
    offset += (ALIGN - (offset % ALIGN)) % ALIGN;
    if (!Number.isInteger(byteLength) || byteLength < 0 || offset + byteLength > bytes.length)
      return { state: 'unusable', reason: 'truncated' };
    views.push(bytes.subarray(offset, offset + byteLength));
    offset += byteLength;
  }
  if (offset !== bytes.length) return { state: 'unusable', reason: 'trailing bytes' };
  const typed = <T>(Type: new (buffer: ArrayBufferLike, offset: number, length: number) => T, view: Uint8Array, size: number): T => {
    if (view.byteLength % size) throw new Error('a section has a partial element');
    return new Type(view.buffer, view.byteOffset, view.byteLength / size);
  };
  const vocabularyText = views[9].toString();
  const frozen: FrozenIndex = {
    dimensions: header.dimensions,
    rows: header.rows,
    lengths: typed(Int32Array, views[0], 4),
    lines: typed(Int32Array, views[1], 4),
    pathIndex: typed(Uint32Array, views[2], 4),
    paths: header.paths,
    fieldOffsets: typed(Uint32Array, views[3], 4),
    matrix: typed(Int8Array, views[4], 1),
    scales: typed(Float32Array, views[5], 4),
    termOffsets: typed(Uint32Array, views[6], 4),
    postings: typed(Int32Array, views[7], 4),
    documentFrequency: typed(Int32Array, views[8], 4),
    vocabulary: vocabularyText ? vocabularyText.split('\n') : [],
    strings: Buffer.from(views[10].buffer, views[10].byteOffset, views[10].byteLength),
  };
  const problem = frozenIndexProblem(frozen);
  if (problem) return { state: 'unusable', reason: problem };
  return { state: 'ok', frozen, files: header.files };
}
