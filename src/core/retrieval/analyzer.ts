import { stemmer } from 'stemmer';

// The common English function words; they carry no topic and only dilute lexical scores.
const STOPWORDS = new Set(
  ('a about above after again against all am an and any are as at be because been before being below between both but by can ' +
    'could did do does doing down during each few for from further had has have having he her here hers herself him himself his how ' +
    'i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out ' +
    'over own same she should so some such than that the their theirs them themselves then there these they this those through to ' +
    'too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves')
    .split(' '),
);

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/** Splits identifiers as well as prose: `maxRetries` and `max_retries` both yield `max` and `retries`. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(WORD)) {
    const word = match[0];
    const parts = word.replace(/([a-z])([A-Z])/g, '$1 $2').split(' ');
    if (parts.length > 1) out.push(word.toLowerCase());
    for (const part of parts) out.push(part.toLowerCase());
  }
  return out;
}

const stemCache = new Map<string, string>();

/** Lower-cased, stemmed content terms: the vocabulary of both the lexical index and the offline embedder. */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  for (const word of words(text)) {
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
