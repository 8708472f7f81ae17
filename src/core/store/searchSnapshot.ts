import { closeSync, fstatSync, openSync, read, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from './atomicWrite';
import { FileSink } from './fileSink';
import type { ByteSink, FreezePlan } from '../retrieval/freeze';
import { type FrozenIndex, frozenIndexProblem } from '../retrieval/frozenIndex';
import { stringsInMemory } from '../retrieval/stringSection';
import { stringsInFile } from './fileStrings';

export const SNAPSHOT_FILE = 'search-snapshot.bin';
const MAGIC = Buffer.from('GWSNAP\0\x01', 'latin1');
/**
 * 4: vectors stored dimension by dimension (3: row by row); 3: a posting is one number, row and frequency (2: a pair
 * of them); 2: vectors quantized to bytes (1: float32).
 */
const FORMAT_VERSION = 4;
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
  /**
   * The CRC-32 of each section, 8 hex digits each, in the same order: a snapshot damaged on disk (a flipped byte in
   * a chunk's text) is found on open and not used. Absent in snapshots written before 2026-12-07 (not checked).
   */
  checksums?: string;
}

/** Eight hex digits per section: written as zeros first, then filled in once the sections are written. */
const CHECKSUM_PLACEHOLDER = '0'.repeat(8 * 11);

/** What a snapshot is written from, taken in one synchronous step so the files listed are exactly the rows. */
export interface SnapshotContent {
  identity: SnapshotIdentity;
  plan: FreezePlan;
  files: SnapshotFiles;
}

const bytesOf = (array: ArrayBufferView) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

/**
 * The sections of a snapshot in file order (each starts on an 8-byte boundary): their byte lengths, and how each
 * is written. The small ones are whole arrays; vectors, postings and text are emitted in pieces by the plan.
 */
function sectionsOf(plan: FreezePlan, vocabulary: Buffer): Array<{ bytes: number; emit: (sink: ByteSink) => void }> {
  const whole = (array: ArrayBufferView) => ({ bytes: array.byteLength, emit: (sink: ByteSink) => sink(bytesOf(array)) });
  return [
    whole(plan.lengths),
    whole(plan.lines),
    whole(plan.pathIndex),
    whole(plan.fieldOffsets),
    { bytes: plan.matrixBytes, emit: (sink) => plan.emitMatrix(sink) },
    whole(plan.scales),
    whole(plan.termOffsets),
    { bytes: plan.postingsBytes, emit: (sink) => plan.emitPostings(sink) },
    whole(plan.documentFrequency),
    whole(vocabulary),
    { bytes: plan.stringBytes, emit: (sink) => plan.emitStrings(sink) },
  ];
}

/**
 * Writes the search index as one binary file next to the shards, write-then-rename so a reader sees the old
 * snapshot or the new one. The shards and the manifest stay the source of truth: the snapshot only lets a
 * large index open without parsing every shard and analyzing every chunk again.
 *
 * `capture` is called once the file is open, and everything is written in the same synchronous step: the index
 * cannot change between the plan and its bytes, and no frozen copy of it is built in memory.
 */
export async function writeSnapshot(dir: string, capture: () => SnapshotContent): Promise<void> {
  await writeFileAtomic(
    path.join(dir, SNAPSHOT_FILE),
    async (handle) => {
      const { identity, plan, files } = capture();
      const sections = sectionsOf(plan, Buffer.from(plan.vocabulary.join('\n')));
      const header: Header = {
        formatVersion: FORMAT_VERSION,
        ...identity,
        rows: plan.rows,
        paths: plan.paths,
        files,
        sections: sections.map((s) => s.bytes),
        checksums: CHECKSUM_PLACEHOLDER,
      };
      const headerText = JSON.stringify(header);
      const headerBytes = Buffer.from(headerText);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(headerBytes.length);
      const file = new FileSink(handle.fd);
      const pad = () => file.write(Buffer.alloc((ALIGN - (file.offset % ALIGN)) % ALIGN));
      file.write(MAGIC);
      file.write(length);
      file.write(headerBytes);
      const checksums: string[] = [];
      for (const section of sections) {
        pad();
        const start = file.offset;
        let crc = 0;
        section.emit((bytes) => {
          // Empty pieces are skipped: Node's crc32 returns 0 for an empty view over an empty buffer, whatever it continues.
          if (bytes.byteLength) crc = crc32(bytes, crc);
          file.write(bytes);
        });
        if (file.offset - start !== section.bytes) throw new Error('a snapshot section is not the size planned');
        checksums.push((crc >>> 0).toString(16).padStart(8, '0'));
      }
      file.flush();
      // The header's placeholder, same length, now holds the checksums (the file is renamed into place only after).
      const at = 12 + Buffer.byteLength(headerText.slice(0, headerText.indexOf(CHECKSUM_PLACEHOLDER)));
      writeSync(handle.fd, Buffer.from(checksums.join('')), 0, CHECKSUM_PLACEHOLDER.length, at);
    },
    { durable: false },
  );
}

/**
 * Opens the snapshot: everything but the strings is read into memory; the strings (most of the file: chunk text)
 * stay in the file, which the returned index keeps open and reads a row at a time (`stringsInFile`). The caller
 * owns that file: `SearchIndex.close` releases it.
 */
export async function readSnapshot(dir: string, expected: SnapshotIdentity): Promise<SnapshotRead> {
  let fd: number;
  // Every read goes through this one descriptor: a newer snapshot renamed over this one meanwhile is never mixed in.
  try {
    fd = openSync(path.join(dir, SNAPSHOT_FILE), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'unusable', reason: (error as Error).message };
  }
  let read: SnapshotRead;
  try {
    read = await decode(fd, expected);
  } catch (error) {
    read = { state: 'unusable', reason: (error as Error).message };
  }
  if (read.state !== 'ok') closeSync(fd);
  return read;
}

const readFromFile = promisify(read);

/** Reads `length` bytes at `position` of `fd` into a new buffer of its own (so typed arrays over it are aligned). */
async function readAt(fd: number, position: number, length: number): Promise<Buffer> {
  const bytes = Buffer.from(new ArrayBuffer(length));
  for (let done = 0; done < length;) {
    const { bytesRead } = await readFromFile(fd, bytes, done, length - done, position + done);
    if (bytesRead === 0) throw new Error('truncated');
    done += bytesRead;
  }
  return bytes;
}

async function decode(fd: number, expected: SnapshotIdentity): Promise<SnapshotRead> {
  const size = fstatSync(fd).size;
  if (size < 12) return { state: 'unusable', reason: 'not a Groundwork snapshot' };
  const start = await readAt(fd, 0, 12);
  if (!start.subarray(0, 8).equals(MAGIC)) return { state: 'unusable', reason: 'not a Groundwork snapshot' };
  const headerLength = start.readUInt32LE(8);
  if (12 + headerLength > size) return { state: 'unusable', reason: 'truncated header' };
  const header = JSON.parse((await readAt(fd, 12, headerLength)).toString('utf8')) as Header;
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
  const ranges: Array<[start: number, length: number]> = [];
  for (const byteLength of header.sections) {
    offset += (ALIGN - (offset % ALIGN)) % ALIGN;
    if (!Number.isInteger(byteLength) || byteLength < 0 || offset + byteLength > size) return { state: 'unusable', reason: 'truncated' };
    ranges.push([offset, byteLength]);
    offset += byteLength;
  }
  if (offset !== size) return { state: 'unusable', reason: 'trailing bytes' };
  // The sections before the strings, in one read; each view starts on an 8-byte boundary of the file, and so of
  // this buffer, which starts at the first of them (aligned itself).
  const [stringsStart, stringsLength] = ranges[10];
  const first = ranges[0][0];
  const small = await readAt(fd, first, stringsStart - first);
  const views = ranges.slice(0, 10).map(([at, length]) => small.subarray(at - first, at - first + length));
  if (header.checksums !== undefined) {
    const damaged = await damagedSection(fd, header.checksums, views, [stringsStart, stringsLength]);
    if (damaged) return { state: 'unusable', reason: `damaged (${damaged} does not match its checksum)` };
  }
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
    postings: typed(Uint32Array, views[7], 4),
    documentFrequency: typed(Int32Array, views[8], 4),
    vocabulary: vocabularyText ? vocabularyText.split('\n') : [],
    // Checked by its length first; it takes the file over only once the index is found sound.
    strings: stringsInMemory(Buffer.alloc(0)),
  };
  const problem = frozenIndexProblem(frozen, stringsLength);
  if (problem) return { state: 'unusable', reason: problem };
  frozen.strings = stringsInFile(fd, stringsStart, stringsLength);
  return { state: 'ok', frozen, files: header.files };
}

const SECTION_NAMES = [
  'lengths',
  'lines',
  'paths',
  'fields',
  'vectors',
  'scales',
  'terms',
  'postings',
  'frequencies',
  'vocabulary',
  'text',
];
/** The chunk text is read for its checksum in pieces this large, not into memory whole. */
const CHECK_PIECE = 4 << 20;

/** The first section whose bytes do not match the checksum written with it, or undefined when all do. */
async function damagedSection(
  fd: number,
  checksums: string,
  views: Uint8Array[],
  [start, length]: [number, number],
): Promise<string | undefined> {
  if (typeof checksums !== 'string' || checksums.length !== 8 * 11) return 'the checksum list';
  const expected = (i: number) => checksums.slice(i * 8, i * 8 + 8);
  const hex = (crc: number) => (crc >>> 0).toString(16).padStart(8, '0');
  for (let i = 0; i < views.length; i++) if (hex(crc32(views[i])) !== expected(i)) return `its ${SECTION_NAMES[i]} section`;
  let crc = 0;
  for (let done = 0; done < length; done += CHECK_PIECE)
    crc = crc32(await readAt(fd, start + done, Math.min(CHECK_PIECE, length - done)), crc);
  return hex(crc) === expected(10) ? undefined : `its ${SECTION_NAMES[10]} section`;
}
