import { analyze, queryTerms } from './analyzer';
import { pathWords } from './fileRanking';

/** The most words shown for one passage: enough to say why it was found, short enough for one line. */
export const MOST_MATCHED_WORDS = 8;

// A word as the user wrote it: identifiers keep their underscores and dots (`max_retries`, `ray.train.TorchTrainer`).
const WRITTEN_WORD = /[\p{L}\p{N}][\p{L}\p{N}_]*(?:[.'’:-][\p{L}\p{N}_]+)*/gu;

/**
 * The words of a question, as written, that a passage holds by the search's own reading (stems, identifier parts,
 * abbreviations, compounds: "roll back" is found in a passage that says "rollback"): why the passage was found.
 * A word counts when all of its terms are in the passage's text, heading or path, as the index reads them.
 * Stopwords never count. Empty when the passage was found by related wording alone (the vector part of search).
 */
export function matchedWords(question: string, passage: { path: string; heading: string; text: string }): string[] {
  const held = new Set(analyze(`${pathWords(passage.path)} ${passage.heading} ${passage.text}`));
  const holds = (terms: string[]) => terms.length > 0 && terms.every((term) => held.has(term));
  const written = question.match(WRITTEN_WORD) ?? [];
  const found: string[] = [];
  const seen = new Set<string>();
  const add = (word: string) => {
    const key = word.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    found.push(word);
  };
  for (let i = 0; i < written.length && found.length < MOST_MATCHED_WORDS; i++) {
    const own = queryTerms(written[i]).required;
    if (i + 1 < written.length) {
      // Two words that make a compound ("set up" → setup) count together, as the search counted them.
      const next = queryTerms(written[i + 1]).required;
      const pair = `${written[i]} ${written[i + 1]}`;
      const compound = queryTerms(pair).required.filter((term) => !own.includes(term) && !next.includes(term));
      if (holds(compound)) {
        add(pair);
        i++;
        continue;
      }
    }
    if (holds(own)) add(written[i]);
  }
  return found;
}
