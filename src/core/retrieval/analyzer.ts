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
  const out: string[] = [];
  for (const match of text.matchAll(WORD)) {
    const word = match[0];
    const lower = word.toLowerCase();
    out.push(lower);
    if (lower === word || !CAMEL_BOUNDARY.test(word)) continue;
    for (const part of word.replace(CAMEL_BOUNDARIES, '$1 $2').split(' ')) out.push(part.toLowerCase());
  }
  return out;
}

const stemCache = new Map<string, string>();

export interface Analysis {
  /** Lower-cased words, identifiers also split into their parts. */
  words: string[];
  /** Stemmed content words (no stopwords). */
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
  const wordList = words(text);
  const result = { words: wordList, terms: termsOf(wordList) };
  if (recent.size >= 1024) recent.clear();
  recent.set(text, result);
  return result;
}

function termsOf(wordList: string[]): string[] {
  const terms: string[] = [];
  for (const word of wordList) {
    if (STOPWORDS.has(word) || word.length > 40) continue;
    let stem = stemCache.get(word);
    if (stem === undefined) {
      stem = stemmer(word.replace(/['’]s$/, ''));
      if (stemCache.size < 200_000) stemCache.set(word, stem);
    }
    terms.push(stem);
  }
  return terms;
}
