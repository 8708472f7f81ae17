import { stemmer } from 'stemmer';

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

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;
const CAMEL_BOUNDARY = /[a-z][A-Z]/;
const CAMEL_BOUNDARIES = /([a-z])([A-Z])/g;

/** Splits identifiers as well as prose: `maxRetries` and `max_retries` both yield `max` and `retries`. */
export function words(text: string): string[] {
  return wordList(text).words;
}

/**
 * The words of `text`, and the positions of camelCase identifiers' whole forms (each followed by its parts). Two
 * flat arrays rather than an object per word: indexing analyzes every chunk, and allocation shows in its time.
 */
function wordList(text: string): { words: string[]; wholes: Set<number> | undefined } {
  const out: string[] = [];
  let wholes: Set<number> | undefined;
  // `match` with a global pattern gives the words alone; `matchAll` would build a match object for each word
  // (2.4 GB of short-lived garbage over a cpp-docs build).
  for (const word of text.match(WORD) ?? []) {
    const lower = word.toLowerCase();
    out.push(lower);
    if (lower === word || !CAMEL_BOUNDARY.test(word)) continue;
    (wholes ??= new Set()).add(out.length - 1);
    for (const part of word.replace(CAMEL_BOUNDARIES, '$1 $2').split(' ')) out.push(part.toLowerCase());
  }
  return { words: out, wholes };
}

/**
 * Bumped whenever the terms a text yields change: postings and offline vectors built with another version are
 * rebuilt (the manifest records it).
 */
export const ANALYZER_VERSION = 2;

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

const stemCache = new Map<string, string>();

function stemOf(word: string): string {
  let stem = stemCache.get(word);
  if (stem === undefined) {
    stem = stemmer(ABBREVIATIONS.get(word) ?? word.replace(/['’]s$/, ''));
    if (stemCache.size < 200_000) stemCache.set(word, stem);
  }
  return stem;
}

/** By the stem of an open compound's first word: the stems of the words that may follow it, and the compound's. */
const COMPOUND_BY_PARTS = new Map<string, Map<string, string>>();
for (const split of COMPOUNDS) {
  const [first, second] = split.split('-');
  const seconds = COMPOUND_BY_PARTS.get(stemmer(first)) ?? new Map<string, string>();
  seconds.set(stemmer(second), stemmer(first + second));
  COMPOUND_BY_PARTS.set(stemmer(first), seconds);
}

export interface Analysis {
  /** Lower-cased words, identifiers also split into their parts. */
  words: string[];
  /** Stemmed content words (no stopwords), abbreviations read in full, open compounds also closed. */
  terms: string[];
}

const recent = new Map<string, Analysis>();

/**
 * Lower-cased, stemmed content terms: the vocabulary of both the lexical index and the offline embedder.
 * Indexing analyzes each chunk twice (embedding, then the lexical index), so the latest results are kept.
 */
export function analyze(text: string): string[] {
  return analysis(text).terms;
}

export function analysis(text: string): Analysis {
  const cached = recent.get(text);
  if (cached) return cached;
  const { words: list, wholes } = wordList(text);
  const result = { words: list, terms: termsOf(list, wholes) };
  if (recent.size >= 1024) recent.clear();
  recent.set(text, result);
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
  const { words: list, wholes } = wordList(text);
  const optionalAt: boolean[] = [];
  const terms = termsOf(list, wholes, optionalAt);
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
function termsOf(list: string[], wholes: Set<number> | undefined, optionalAt?: boolean[]): string[] {
  const terms: string[] = [];
  // The previous word's stem, when it may open a compound, and where its term is (-1: a stopword, no term).
  let opener: Map<string, string> | undefined;
  let openerAt = -1;
  for (let i = 0; i < list.length; i++) {
    const word = list[i];
    if (word.length > 40) {
      opener = undefined;
      continue;
    }
    const stopword = STOPWORDS.has(word);
    // Stopwords are their own stems (none that closes a compound differs), which spares the cache lookup.
    const stem = stopword ? word : stemOf(word);
    const compound = opener?.get(stem);
    if (compound && openerAt >= 0 && optionalAt) optionalAt[openerAt] = true;
    if (!stopword) {
      terms.push(stem);
      if (optionalAt) optionalAt[terms.length - 1] = Boolean(wholes?.has(i)) || Boolean(compound);
    }
    opener = COMPOUND_BY_PARTS.get(stem);
    openerAt = stopword ? -1 : terms.length - 1;
    if (compound) {
      terms.push(compound);
      if (optionalAt) optionalAt[terms.length - 1] = false;
    }
  }
  return terms;
}
