import type { SearchResult } from '../types';
import { COMMON_TERM_SHARE } from './commonTerms';
import { LANGUAGE_KEYWORDS } from './languageKeywords';
import type { SearchOptions } from './searchIndex';

/** A name from code, split into what is looked up and what qualifies it. */
export interface Identifier {
  /** As written: `tune.Tuner`, `CWnd::Create`. */
  written: string;
  /** The last part: `Tuner`, `Create`. */
  name: string;
  /** The parts before it: `tune`, `CWnd`. */
  qualifiers: string[];
}

/** A passage that documents an identifier, and how. */
export interface IdentifierHit {
  result: SearchResult;
  /** The name is written in it as a whole word, as in the code (else only its parts or word forms are). */
  exact: boolean;
  /** It defines the name: a heading, an API entry or a signature, not a mere mention. */
  defines: boolean;
  /** How well it documents the name, comparable across indexes (folders). */
  score: number;
}

/** Passages looked at per lookup: enough that a name's defining passage is among them behind its mentions. */
const CANDIDATES = 60;
/** When the exact name is in at least this many passages, passages with only its parts are not shown. */
const EXACT_ENOUGH = 3;

export function parseIdentifier(written: string): Identifier | undefined {
  const trimmed = written.trim().replace(/\(\)$/, '');
  if (!/^[A-Za-z_~][A-Za-z0-9_]*(?:(?:\.|::|->)[A-Za-z_~][A-Za-z0-9_]*)*$/.test(trimmed)) return undefined;
  const parts = trimmed.split(/\.|::|->/);
  return { written: trimmed, name: parts[parts.length - 1], qualifiers: parts.slice(0, -1) };
}

/**
 * A plain word (`self`, `value`, `config`, `Thread`): no inner capital, underscore or digit. Such a word documents
 * itself only when it is rare in the docs; a compound name (`TuneConfig`, `num_gpus`) always may.
 */
export function isPlainWord(name: string): boolean {
  return /^[A-Za-z][a-z]*$/.test(name);
}

/** A heading that is the name itself: `range`, `` `range()` ``, `range function`, `static (C++)`. */
function headingNames(heading: string, name: string): boolean {
  const bare = heading
    .replace(/[`*]/g, '')
    .replace(/\s*\([^)]*\)\s*$/, '')
    .replace(/\s+(keyword|statement|function|method|class|type|specifier|directive|operator)$/i, '')
    .trim();
  return bare === name || bare === `${name}()`;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The name as a whole word: not inside a longer identifier (`_` and digits count as identifier characters). */
function wholeWord(name: string, flags = ''): RegExp {
  return new RegExp(`(?<![A-Za-z0-9_])${escapeRegExp(name)}(?![A-Za-z0-9_])`, flags);
}

/**
 * Tells whether a passage defines the name rather than mentions it: the name is in its heading path, or a line declares
 * it (`class TuneConfig`, `def with_resources(`, `.. py:class:: ray.tune.TuneConfig`, `BOOL Create(`, `- num_gpus:`,
 * a table's first cell). Built once per lookup: its patterns are compiled once, not once per passage.
 */
function definitionTest(name: string, strict: boolean): (result: SearchResult) => boolean {
  // A lowercase word (`range`, `static`) is named by many headings in passing: only a section of its own counts.
  if (/^[a-z]+$/.test(name)) return (result) => result.headingPath.some((h) => headingNames(h, name));
  const word = wholeWord(name);
  const n = escapeRegExp(name);
  // A plain word (`range`, `self`) is at the start of many a code line: only a declaration or an API entry counts.
  const declaration = strict
    ? new RegExp(
        `^\\s*(?:\\.\\.\\s+[\\w:-]+::\\s*(?:[\\w.]+\\.)?${n}\\s*(?:\\(|$))|^\\s*(?:export\\s+)?(?:class|def|struct|enum|interface|function|type|typedef|union|namespace)\\s+${n}\\b`,
        'm',
      )
    : new RegExp(
        [
          `^\\s*(?:\\.\\.\\s+[\\w:-]+::\\s*)?(?:[\\w.]+\\.)?${n}\\s*[(:[=]`,
          `^\\s*\\.\\.\\s+[\\w:-]+::\\s*(?:[\\w.]+\\.)?${n}\\s*$`,
          `^\\s*\`{0,2}${n}\`{0,2}\\s*\\n[=\\-~^"'*+#]{3,}\\s*$`,
          `^\\s*(?:export\\s+)?(?:class|def|struct|enum|interface|function|type|typedef|const|let|var|union|namespace|#define)\\s+${n}\\b`,
          `^\\s*(?:[\\w:<>,*&~]+\\s+)+[*&]?${n}\\s*\\(`,
          `^\\s*[-*]\\s+\\*{0,2}\`?${n}\`?\\*{0,2}\\s*[:(—-]`,
          `^\\s*\\|\\s*\`?${n}\`?\\s*\\|`,
          `^\\s*\`${n}\`\\s*$`,
        ].join('|'),
        'm',
      );
  return (result) => result.headingPath.some((h) => word.test(h)) || declaration.test(result.text);
}

/**
 * The passages that document a name from code, best first: the exact name as written (whole word, code or prose)
 * first, a passage that defines it before one that mentions it, one that also names its qualifier (`tune` for
 * `tune.Tuner`) before one that does not. Its parts and word forms (`TuneConfig` → tune, config) only help when
 * the exact name is rare. A plain word common in the docs (`self`, `value`) finds nothing, nor does a language
 * keyword (`static`, `import`: `LANGUAGE_KEYWORDS`). Lexical and local: no model, no embedding call. Shared by the
 * hover and the agents' `lookup_docs`.
 */
export function lookupIdentifier(
  search: (query: string, options: SearchOptions) => SearchResult[],
  written: string,
  k = 3,
): IdentifierHit[] {
  const identifier = parseIdentifier(written);
  if (!identifier || identifier.name.length < 2) return [];
  const { name, qualifiers } = identifier;
  if (!qualifiers.length && LANGUAGE_KEYWORDS.has(name)) return [];
  const plain = isPlainWord(name);
  // A plain word's share of passages decides whether it says anything (the search drops it when too common);
  // a compound name is looked up whatever its parts' shares.
  const candidates = search(name, { k: CANDIDATES, ranking: 'passages', ...(plain ? { maxTermShare: COMMON_TERM_SHARE } : {}) });
  const exactCase = wholeWord(name);
  const anyCase = wholeWord(name, 'i');
  const qualifierWords = qualifiers.filter((q) => q.length > 1).map((q) => wholeWord(q, 'i'));
  const definesIn = definitionTest(name, plain);
  const scored = candidates.map((result, rank) => {
    const text = `${result.headingPath.join('\n')}\n${result.text}`;
    const exact = exactCase.test(text) ? 2 : anyCase.test(text) && !plain ? 1 : 0;
    const defines = exact > 0 && definesIn(result);
    const qualified = qualifierWords.some((q) => q.test(text));
    const covers = result.coverage >= 0.99;
    const score = exact * 100 + (defines ? 40 : 0) + (qualified ? 15 : 0) + (covers ? 5 : 0) - rank * 0.1;
    return { hit: { result, exact: exact > 0, defines, score }, score, covers };
  });
  // A plain word documents itself only where it is defined: mentions of `value` or `self` say nothing about it.
  const exact = scored.filter((s) => s.hit.exact && (!plain || s.hit.defines));
  // A plain word counts only as written; a compound's parts stand in only when the name itself is rare.
  const parts = plain || exact.length >= EXACT_ENOUGH ? [] : scored.filter((s) => !s.hit.exact && s.covers);
  return [...exact, ...parts]
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((s) => s.hit);
}
