import type { Chunk } from '../types';
import { countTokens } from '../tokens';
import { type CountedPart, joinedTokens } from './joinedTokens';
import type { Outline, OutlineSection } from './outline';

export interface ChunkSizing {
  /** Largest chunk, in tokens, except a single line that is itself larger (that line is then split by characters). */
  maxTokens: number;
  /** Lines of the previous chunk repeated at the start of the next one within a section. */
  overlapLines: number;
  /**
   * Consecutive small sections are packed into one chunk up to this many tokens (estimated), so a page of
   * short sections does not become dozens of passages too small to rank or to answer from. 0 disables.
   */
  mergeSectionsUpTo?: number;
}

interface Unit extends CountedPart {
  /** What the unit adds to a chunk when packing: its count and the line break before the next. */
  tokens: number;
}

/** The exact token count of lines start..end (blank-trimmed), when it can be had without counting their text. */
type RangeTokens = (start: number, end: number) => number | undefined;

/**
 * Token counts of texts chunked before (a file's previous chunks): a section whose text was a whole chunk then
 * is not counted again. An edit to a large page changes a few of its sections, not all of them.
 */
export type KnownTokenCounts = ReadonlyMap<string, number>;

/** Packs each section's paragraphs and whole blocks into chunks of at most `maxTokens`, covering every non-blank line. */
export function splitOutline(path: string, outline: Outline, sizing: ChunkSizing, known?: KnownTokenCounts): Chunk[] {
  const chunks: Chunk[] = [];
  const atomicEndAt = new Map<number, number>();
  for (const [start, end] of outline.atomic) atomicEndAt.set(start, Math.max(end, atomicEndAt.get(start) ?? end));
  for (const section of mergeSmallSections(outline, mergeHeadingOnlySections(outline), sizing.mergeSectionsUpTo ?? 0)) {
    splitSection(path, outline, section, atomicEndAt, sizing, chunks, known);
  }
  return chunks;
}

/** Packs runs of small consecutive sections into one; the result is headed by the headings they share. */
function mergeSmallSections(outline: Outline, sections: OutlineSection[], limit: number): OutlineSection[] {
  if (limit <= 0) return sections;
  const merged: OutlineSection[] = [];
  let group: OutlineSection | undefined;
  let groupTokens = 0;
  for (const section of sections) {
    const tokens = estimateTokens(outline, section.start, section.end);
    if (group && groupTokens + tokens <= limit) {
      const headingPath = commonPrefix(group.headingPath, section.headingPath);
      group = { ...group, end: section.end, headingPath, anchor: headingPath.length === group.headingPath.length ? group.anchor : '' };
      groupTokens += tokens;
      continue;
    }
    if (group) merged.push(group);
    group = section;
    groupTokens = tokens;
  }
  if (group) merged.push(group);
  return merged;
}

function estimateTokens(outline: Outline, start: number, end: number): number {
  let chars = 0;
  for (let i = start; i <= end; i++) chars += outline.lines[i].text.length + 1;
  // About four characters per token in English prose and Markdown.
  return Math.ceil(chars / 4);
}

function commonPrefix(a: string[], b: string[]): string[] {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return a.slice(0, n);
}

/** A heading followed directly by a subheading carries no text of its own; it joins the section that follows. */
function mergeHeadingOnlySections(outline: Outline): OutlineSection[] {
  const merged: OutlineSection[] = [];
  let pendingStart: number | undefined;
  outline.sections.forEach((section, i) => {
    const isLast = i === outline.sections.length - 1;
    if (!isLast && !hasBody(outline, section)) {
      pendingStart ??= section.start;
      return;
    }
    merged.push(pendingStart === undefined ? section : { ...section, start: pendingStart });
    pendingStart = undefined;
  });
  return merged;
}

function hasBody(outline: Outline, section: OutlineSection): boolean {
  for (let i = Math.max(section.bodyStart, section.start); i <= section.end; i++) if (outline.lines[i].text.trim()) return true;
  return false;
}

function splitSection(
  path: string,
  outline: Outline,
  section: OutlineSection,
  atomicEndAt: Map<number, number>,
  sizing: ChunkSizing,
  out: Chunk[],
  known: KnownTokenCounts | undefined,
): void {
  const { lines } = outline;
  let first = section.start;
  let last = section.end;
  while (first <= last && !lines[first].text.trim()) first++;
  while (last >= first && !lines[last].text.trim()) last--;
  if (first > last) return;

  const whole = joinLines(outline, first, last);
  const wholeSection = (tokens: number) =>
    out.push({
      path,
      headingPath: section.headingPath,
      startLine: lines[first].line,
      endLine: lines[last].line,
      anchor: section.anchor,
      text: whole,
      tokens,
    });
  const knownTokens = known?.get(whole);
  if (knownTokens !== undefined && knownTokens <= sizing.maxTokens) return void wholeSection(knownTokens);

  // Each paragraph and block is counted once; a chunk's count is put together from theirs (joinedTokens).
  const units = sectionUnits(outline, first, last, atomicEndAt);
  const unitByStart = new Map(units.map((unit, i) => [unit.start, i]));
  const unitByEnd = new Map(units.map((unit, i) => [unit.end, i]));
  const unitsTokens: RangeTokens = (start, end) => {
    const [from, to] = [unitByStart.get(start), unitByEnd.get(end)];
    return from === undefined || to === undefined || from > to ? undefined : joinedTokens(outline, units.slice(from, to + 1));
  };
  const emit = (start: number, end: number) => pushChunk(path, outline, section, start, end, out, unitsTokens);
  const wholeTokens = unitsTokens(first, last) ?? countTokens(whole);
  if (wholeTokens <= sizing.maxTokens) return void wholeSection(wholeTokens);

  let chunkStart = -1;
  let chunkEnd = -1;
  let chunkTokens = 0;
  const flush = () => {
    if (chunkStart >= 0) emit(chunkStart, chunkEnd);
    chunkStart = -1;
    chunkTokens = 0;
  };
  for (const unit of units) {
    if (unit.tokens > sizing.maxTokens) {
      flush();
      splitByLines(path, outline, section, unit, sizing.maxTokens, out);
      continue;
    }
    if (chunkStart >= 0 && chunkTokens + unit.tokens > sizing.maxTokens) {
      const [previousStart, previousEnd] = [chunkStart, chunkEnd];
      flush();
      const overlapStart = overlapStartFor(outline, previousStart, previousEnd, sizing.overlapLines);
      if (overlapStart !== undefined) {
        const overlapTokens = countTokens(joinLines(outline, overlapStart, unit.start - 1));
        if (overlapTokens + unit.tokens <= sizing.maxTokens) {
          chunkStart = overlapStart;
          chunkTokens = overlapTokens;
        }
      }
    }
    if (chunkStart < 0) chunkStart = unit.start;
    chunkEnd = unit.end;
    chunkTokens += unit.tokens;
  }
  flush();
}

/** Paragraphs (runs of non-blank lines) and atomic blocks, in order; blank lines between them belong to no unit. */
function sectionUnits(outline: Outline, first: number, last: number, atomicEndAt: Map<number, number>): Unit[] {
  const units: Unit[] = [];
  let i = first;
  while (i <= last) {
    if (!outline.lines[i].text.trim()) {
      i++;
      continue;
    }
    let end = i;
    const atomicEnd = atomicEndAt.get(i);
    if (atomicEnd !== undefined) {
      end = Math.min(atomicEnd, last);
    } else {
      while (end + 1 <= last && outline.lines[end + 1].text.trim() && !atomicEndAt.has(end + 1)) end++;
    }
    const count = countTokens(joinLines(outline, i, end));
    units.push({ start: i, end, count, tokens: count + 1 });
    i = end + 1;
  }
  return units;
}

function overlapStartFor(outline: Outline, lowest: number, previousEnd: number, overlapLines: number): number | undefined {
  if (overlapLines <= 0) return undefined;
  let taken = 0;
  let start = previousEnd + 1;
  for (let i = previousEnd; i >= lowest && taken < overlapLines; i--) {
    start = i;
    if (outline.lines[i].text.trim()) taken++;
  }
  return taken ? start : undefined;
}

/** A block too big for one chunk: split on line boundaries, and a single over-long line by characters. */
function splitByLines(path: string, outline: Outline, section: OutlineSection, unit: Unit, maxTokens: number, out: Chunk[]): void {
  const counts = new Map<number, number>();
  // A piece's count is put together from its lines' counts, the blank lines between them being the joints.
  const linesTokens: RangeTokens = (start, end) => {
    const parts: CountedPart[] = [];
    for (let i = start; i <= end; i++) if (outline.lines[i].text.trim()) parts.push({ start: i, end: i, count: counts.get(i)! });
    return parts.length && parts[0].start === start ? joinedTokens(outline, parts) : undefined;
  };
  let start = -1;
  let tokens = 0;
  for (let i = unit.start; i <= unit.end; i++) {
    const count = countTokens(outline.lines[i].text);
    counts.set(i, count);
    const lineTokens = count + 1;
    if (lineTokens > maxTokens) {
      if (start >= 0) pushChunk(path, outline, section, start, i - 1, out, linesTokens);
      start = -1;
      tokens = 0;
      splitLongLine(path, outline, section, i, maxTokens, out);
      continue;
    }
    if (start >= 0 && tokens + lineTokens > maxTokens) {
      pushChunk(path, outline, section, start, i - 1, out, linesTokens);
      start = -1;
      tokens = 0;
    }
    if (start < 0) start = i;
    tokens += lineTokens;
  }
  if (start >= 0) pushChunk(path, outline, section, start, unit.end, out, linesTokens);
}

function splitLongLine(path: string, outline: Outline, section: OutlineSection, index: number, maxTokens: number, out: Chunk[]): void {
  const text = outline.lines[index].text;
  // Three characters per token is below what prose and code average, so each piece stays within the limit.
  const step = maxTokens * 3;
  const line = outline.lines[index].line;
  for (let offset = 0; offset < text.length; offset += step) {
    const piece = text.slice(offset, offset + step);
    out.push({
      path,
      headingPath: section.headingPath,
      startLine: line,
      endLine: line,
      anchor: section.anchor,
      text: piece,
      tokens: countTokens(piece),
    });
  }
}

function pushChunk(
  path: string,
  outline: Outline,
  section: OutlineSection,
  start: number,
  end: number,
  out: Chunk[],
  rangeTokens?: RangeTokens,
): void {
  while (end > start && !outline.lines[end].text.trim()) end--;
  const text = joinLines(outline, start, end);
  if (!text.trim()) return;
  out.push({
    path,
    headingPath: section.headingPath,
    startLine: outline.lines[start].line,
    endLine: outline.lines[end].line,
    anchor: section.anchor,
    text,
    tokens: rangeTokens?.(start, end) ?? countTokens(text),
  });
}

function joinLines(outline: Outline, start: number, end: number): string {
  let text = outline.lines[start].text;
  for (let i = start + 1; i <= end; i++) text += '\n' + outline.lines[i].text;
  return text;
}
