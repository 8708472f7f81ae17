import { stemmer } from 'stemmer';
import { fnv1aOfRange } from '../hash';
import { SliceTable } from '../sliceTable';

// The common English function words; they carry no topic and only dilute lexical scores.
const STOPWORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by can ' +
    'could did do does doing down during each few for from further had has have having he her here hers herself him himself his how ' +
    'i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out ' +
    'over own same she should so some such than that the their theirs them themselves then there these they this those through to ' +
    'too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/uy;
const CAMEL_BOUNDARY = /[a-z][A-Z]/;
const CAMEL_BOUNDARIES = /([a-z])([A-Z])/g;

/** Splits identifiers as well as prose: `maxRetries` and `max_retries` both yield `max` and `retries`. */
export function words(text: string): string[] {
  return wordList(text).words;
}

/** What the analyzer needs to know of one word as written; `vocabulary` keeps them for the words seen lately. */
interface Word {
  /** Lower-cased. */
  lower: string;
  /** Its stem, abbreviations read in full; a stopword is its own stem. */
  stem: string;
  stopword: boolean;
  /** When the word may open a compound: the stems of the words that may follow it, and the compound's. */
  opener: Map<string, string> | undefined;
  /** A camelCase identifier's parts (lower-cased), after its whole form. */
  parts: Word[] | undefined;
}

function describeWord(written: string): Word {
  const lower = written.toLowerCase();
  const stopword = STOPWORDS.has(lower);
  // Words over 40 characters yield no term (see termsOf): not stemmed.
  const stem = stopword || lower.length > 40 ? lower : stemmer(ABBREVIATIONS.get(lower) ?? lower.replace(/['’]s$/, ''));
  const parts =
    lower !== written && CAMEL_BOUNDARY.test(written)
      ? written
          .replace(CAMEL_BOUNDARIES, '$1 $2')
          .split(' ')
          .map((part) => vocabulary.lookup(part.toLowerCase()))
      : undefined;
  return { lower, stem, stopword, opener: COMPOUND_BY_PARTS.get(stem), parts };
}

/**
 * The words of `text` (lower-cased; a camelCase identifier's whole form followed by its parts) and which of them
 * are such whole forms. Indexing analyzes every chunk, tens of millions of words on a large tree: ASCII words are
 * found by scanning character codes and looked up by their letters, so no string is made for a word seen before;
 * a word with other characters is read with the pattern.
 */
function wordList(text: string): { words: string[]; wholes: Set<number> | undefined; described: Word[]; hyphened?: Map<number, number> } {
  const out: string[] = [];
  const described: Word[] = [];
  let wholes: Set<number> | undefined;
  // Words written with a hyphen between them ("pre-processing"): by the second word's place, the first's.
  let hyphened: Map<number, number> | undefined;
  let previousEnd = -2;
  let previousAt = -1;
  const follows = (start: number) => {
    if (start === previousEnd + 1 && text.charCodeAt(previousEnd) === 0x2d && previousAt >= 0)
      (hyphened ??= new Map()).set(out.length, previousAt);
  };
  const emit = (word: Word) => {
    out.push(word.lower);
    described.push(word);
    if (!word.parts) return;
    (wholes ??= new Set()).add(out.length - 1);
    for (const part of word.parts) {
      out.push(part.lower);
      described.push(part);
    }
  };
  const length = text.length;
  let at = 0;
  while (at < length) {
    const code = text.charCodeAt(at);
    if (code < 0x80 && !isAsciiLetterOrDigit(code)) {
      at++;
      continue;
    }
    const end = code < 0x80 ? asciiWordEnd(text, at) : -1;
    if (end >= 0) {
      follows(at);
      previousAt = out.length;
      emit(vocabulary.lookupSlice(text, at, end));
      previousEnd = at = end;
      continue;
    }
    // A character outside ASCII in or right after the word: the pattern decides, as it always did.
    WORD.lastIndex = at;
    const match = WORD.exec(text);
    if (match) {
      follows(at);
      previousAt = out.length;
      emit(vocabulary.lookup(match[0]));
      previousEnd = at += match[0].length;
    } else {
      // Past one code point: a surrogate pair (an emoji) is one; a lone surrogate is one by itself.
      const pair = code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(at + 1) & 0xfc00) === 0xdc00;
      at += pair ? 2 : 1;
    }
  }
  return { words: out, wholes, described, hyphened };
}

function isAsciiLetterOrDigit(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39);
}

function isAsciiLetter(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

/**
 * Where the word `WORD` matches at `start` ends, when it and the character after it are ASCII; -1 when a
 * character outside ASCII may belong to it (a letter of any script continues a word).
 */
function asciiWordEnd(text: string, start: number): number {
  let end = start + 1;
  while (end < text.length && isAsciiLetterOrDigit(text.charCodeAt(end))) end++;
  if (end === text.length) return end;
  const next = text.charCodeAt(end);
  if (next >= 0x80) return -1;
  if (next !== 0x27 /* ' */) return end;
  // An apostrophe joins letters that follow it: "it's", "O'Reilly" (not digits: "'90s" stays apart).
  let suffixEnd = end + 1;
  while (suffixEnd < text.length && isAsciiLetter(text.charCodeAt(suffixEnd))) suffixEnd++;
  if (suffixEnd < text.length && text.charCodeAt(suffixEnd) >= 0x80) return -1;
  return suffixEnd > end + 1 ? suffixEnd : end;
}

/** The words seen lately, keyed by their letters as written. When full, it starts again empty. */
class Vocabulary {
  private readonly table = new SliceTable<Word>(VOCABULARY_SLOTS);

  lookup(written: string): Word {
    return this.lookupSlice(written, 0, written.length);
  }

  lookupSlice(text: string, start: number, end: number): Word {
    const hash = fnv1aOfRange(text, start, end);
    const known = this.table.get(text, start, end, hash);
    if (known) return known;
    const written = start === 0 && end === text.length ? text : text.slice(start, end);
    const word = describeWord(written);
    if (written.length <= LONGEST_KEPT_WORD) {
      if (this.table.full) this.table.clear();
      this.table.add(written, word, hash);
    }
    return word;
  }
}

/** 2^17 slots, at most half of them used: about 65,000 distinct words, a few MB. */
const VOCABULARY_SLOTS = 1 << 17;
/** Longer words (data, hashes, long identifiers) rarely repeat and are not kept. */
const LONGEST_KEPT_WORD = 40;

/**
 * Bumped whenever the terms a text yields change: postings and offline vectors built with another version are
 * rebuilt (the manifest records it).
 */
export const ANALYZER_VERSION = 3;

/**
 * Compounds written closed or open ("rollback" / "roll back", "setup" / "set up"): an open pair also yields the
 * closed form, so either spelling finds the other. Keyed by the stems of the two words, so "rolled back" and
 * "setting up" count too.
 */
const COMPOUNDS = [
  'roll-back',
  'set-up',
  'log-in',
  'log-out',
  'sign-in',
  'sign-up',
  'data-set',
  'back-end',
  'front-end',
  'back-up',
  'check-out',
  'clean-up',
  'look-up',
  'shut-down',
  'start-up',
  'tear-down',
  'time-out',
  'time-stamp',
  'file-name',
  'path-name',
  'user-name',
  'key-word',
  'web-site',
  'code-base',
  'work-space',
  'name-space',
  'data-base',
  'check-point',
  'hot-fix',
  'plug-in',
  'pop-up',
  'work-flow',
  'data-frame',
  'run-time',
  'host-name',
  'file-system',
  'sub-folder',
  'sub-directory',
];

/** First words of a hyphenated pair that are prefixes: the pair is one word, written joined as often as not. */
const PREFIXES = new Set([
  'pre',
  're',
  'co',
  'non',
  'sub',
  'multi',
  'post',
  'anti',
  'de',
  'un',
  'over',
  'under',
  'inter',
  'intra',
  'micro',
  'e',
  'auto',
  'self',
  'semi',
  'mid',
  'out',
  'up',
  'down',
  'cross',
  'meta',
  'mis',
  'bi',
  'tri',
  'hyper',
  'super',
]);

/** The closed form of two words written with a hyphen, when it is a word the analyzer keeps (40 letters or fewer). */
function closedForm(first: Word, second: Word): string | undefined {
  if (first.lower.length + second.lower.length > LONGEST_KEPT_WORD) return undefined;
  return vocabulary.lookup(first.lower + second.lower).stem;
}

/**
 * Abbreviations identifiers use for words prose spells out (`num_gpus` / "number of GPUs", `max_retries` /
 * "maximum retries"): both are read as the full word. Only abbreviations with one common meaning in docs.
 */
const ABBREVIATIONS = new Map<string, string>(
  Object.entries({
    num: 'number',
    nums: 'numbers',
    max: 'maximum',
    min: 'minimum',
    config: 'configuration',
    configs: 'configurations',
    cfg: 'configuration',
    conf: 'configuration',
    env: 'environment',
    envs: 'environments',
    dir: 'directory',
    dirs: 'directories',
    repo: 'repository',
    repos: 'repositories',
    param: 'parameter',
    params: 'parameters',
    arg: 'argument',
    args: 'arguments',
    kwargs: 'arguments',
    auth: 'authentication',
    db: 'database',
    info: 'information',
    init: 'initialize',
    impl: 'implementation',
    spec: 'specification',
    specs: 'specifications',
    msg: 'message',
    msgs: 'messages',
    len: 'length',
    idx: 'index',
    ctx: 'context',
    app: 'application',
    apps: 'applications',
    k8s: 'kubernetes',
    attr: 'attribute',
    attrs: 'attributes',
    lib: 'library',
    libs: 'libraries',
    pkg: 'package',
    pkgs: 'packages',
    prev: 'previous',
  }),
);

/** By the stem of an open compound's first word: the stems of the words that may follow it, and the compound's. */
const COMPOUND_BY_PARTS = new Map<string, Map<string, string>>();
for (const split of COMPOUNDS) {
  const [first, second] = split.split('-');
  const seconds = COMPOUND_BY_PARTS.get(stemmer(first)) ?? new Map<string, string>();
  seconds.set(stemmer(second), stemmer(first + second));
  COMPOUND_BY_PARTS.set(stemmer(first), seconds);
}

const vocabulary = new Vocabulary();

export interface Analysis {
  /** Lower-cased words, identifiers also split into their parts. */
  words: string[];
  /** Stemmed content words (no stopwords), abbreviations read in full, open compounds also closed. */
  terms: string[];
}

/**
 * Terms of texts analyzed whole (by the offline embedder) and not yet asked for by `analyze`: indexing embeds a
 * batch of chunks, then adds each to the lexical index, which takes its terms from here. Taken once, so they
 * die young instead of being kept (and promoted to V8's old generation) for a thousand more chunks.
 */
const termsToTake = new Map<string, string[]>();
const MOST_TERMS_TO_TAKE = 1024;

/** Lower-cased, stemmed content terms: the vocabulary of both the lexical index and the offline embedder. */
export function analyze(text: string): string[] {
  const terms = termsToTake.get(text);
  if (terms === undefined) return analysis(text, false).terms;
  termsToTake.delete(text);
  return terms;
}

/** The words and terms of `text`; unless `keepTerms` is false, its terms are kept for the next `analyze` of it. */
export function analysis(text: string, keepTerms = true): Analysis {
  const { words: list, wholes, described, hyphened } = wordList(text);
  const result = { words: list, terms: termsOf(described, wholes, undefined, hyphened) };
  if (keepTerms) {
    if (termsToTake.size >= MOST_TERMS_TO_TAKE) termsToTake.clear();
    termsToTake.set(text, result.terms);
  }
  return result;
}

export interface QueryTerms {
  /** Terms a passage must have to cover the question (what the coverage signal weighs). */
  required: string[];
  /**
   * Terms that add to a passage's score but whose absence does not make it miss the question: an identifier's
   * whole form (`torchtrainer`, when its parts are asked for too) and an open compound's words ("roll", "back",
   * when "rollback" stands for them).
   */
  optional: string[];
}

/** A question's distinct terms, split into those coverage weighs and those that only add to the score. */
export function queryTerms(text: string): QueryTerms {
  const { wholes, described, hyphened } = wordList(text);
  const optionalAt: boolean[] = [];
  const terms = termsOf(described, wholes, optionalAt, hyphened);
  const required = new Set<string>();
  const optional = new Set<string>();
  terms.forEach((term, i) => (optionalAt[i] ? optional : required).add(term));
  for (const term of required) optional.delete(term);
  return { required: [...required], optional: [...optional] };
}

/**
 * The terms of a word list (see `Analysis.terms`). With `optionalAt`, also which of them are optional (see
 * `QueryTerms`): an identifier's whole form, and an open compound's words once the compound stands for them.
 */
function termsOf(list: Word[], wholes: Set<number> | undefined, optionalAt?: boolean[], hyphened?: Map<number, number>): string[] {
  const terms: string[] = [];
  // The previous word, when it may open a compound, and where its term is (-1: a stopword, no term).
  let opener: Map<string, string> | undefined;
  let openerAt = -1;
  for (let i = 0; i < list.length; i++) {
    const word = list[i];
    if (word.lower.length > 40) {
      opener = undefined;
      continue;
    }
    // A hyphenated pair also yields its closed form ("pre-processing" → "preprocessing"), as a listed open compound
    // does: either spelling finds the other.
    const first = hyphened?.get(i);
    const joined = first === undefined || list[first].stopword || word.stopword ? undefined : closedForm(list[first], word);
    const listed = opener?.get(word.stem);
    // In a question, the closed form stands for the pair (its words optional) when the first word is a prefix
    // ("pre-processing", "re-ranker", "multi-node"): written joined, the docs hold only the closed form. Otherwise
    // ("T-cell", "high-fat") the words stay required, as docs write them apart as often, and the closed form helps.
    const standsFor = joined !== undefined && PREFIXES.has(list[first!].lower);
    const compound = listed ?? joined;
    const compoundOptional = !listed && joined !== undefined && !standsFor;
    if (standsFor && !listed && optionalAt) {
      const firstAt = terms.lastIndexOf(list[first!].stem);
      if (firstAt >= 0) optionalAt[firstAt] = true;
    }
    if (listed && openerAt >= 0 && optionalAt) optionalAt[openerAt] = true;
    if (!word.stopword) {
      terms.push(word.stem);
      if (optionalAt) optionalAt[terms.length - 1] = Boolean(wholes?.has(i)) || Boolean(listed) || standsFor;
    }
    opener = word.opener;
    openerAt = word.stopword ? -1 : terms.length - 1;
    if (compound) {
      terms.push(compound);
      if (optionalAt) optionalAt[terms.length - 1] = compoundOptional;
    }
  }
  return terms;
}
