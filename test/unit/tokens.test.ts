import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { countTokens } from '../../src/core/tokens';

// The library's count of the whole text, with special tokens' spellings counted as text (as Groundwork does).
const library = require('gpt-tokenizer') as typeof import('gpt-tokenizer'); // eslint-disable-line @typescript-eslint/no-require-imports
const libraryCount = (text: string) => library.countTokens(text, { disallowedSpecial: new Set<string>() });

// Pieces where o200k's pre-tokenizer depends on what follows or precedes: runs of spaces before a word, line
// breaks in every form, contractions, digit runs, punctuation carrying line breaks and slashes, combining marks,
// astral letters, case changes inside a word, special tokens' spellings and words longer than the shared-piece limit.
const fragment = fc.oneof(
  fc.constantFrom(' ', '  ', '   ', '\t', '\n', '\r\n', '\n\n', ' \n ', '\u2028', '\u00a0', '\u3000'),
  fc.constantFrom('\t(', ' (', '  (', '\v', '\f', '\x00', '\x1f', '\x7f', '\r', '\n\r \t', '/\n', '//\r\n/', '((', ' 12', '  1'),
  fc.constantFrom(
    "'s",
    "'S",
    "'d",
    "'ll",
    "'LL",
    "'ve",
    "'Re",
    "'t",
    "'x",
    "'",
    'ABc',
    'McDonald',
    'XMLHttp',
    'é',
    'ß',
    'ǅ',
    '٣',
    '²',
    '\ud83d',
    '😀',
    '’',
  ),
  fc.constantFrom("it's", "THEY'RE", "users'", "we'll", '1234567', '3.14159', 'x = 1;', '// comment', '/path/to', '*/', '```'),
  fc.constantFrom('cafe\u0301', '\u0301start', '𝑥 + 𝑦', '日本語のテキスト。', 'camelCaseWord', 'HTTPServer', 'snake_case_name'),
  fc.constantFrom('<|endoftext|>', '<|im_start|>', 'std::unordered_map<std::string, int>', 'internationalization'),
  fc.string({ maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.lorem({ maxCount: 8 }),
);

test('property: counting a text piece by piece (with remembered pieces) gives the tokenizer count of the whole text', () => {
  fc.assert(
    fc.property(fc.array(fragment, { maxLength: 24 }), (fragments) => {
      const text = fragments.join('');
      // Twice: the second count reads every piece from what the first remembered.
      assert.equal(countTokens(text), libraryCount(text), JSON.stringify(text));
      assert.equal(countTokens(text), libraryCount(text), JSON.stringify(text));
    }),
    { numRuns: 4000 },
  );
});

test('a long text of repeated words is counted exactly, past the size where remembered pieces are cleared', () => {
  const words = Array.from({ length: 120_000 }, (_, i) => `w${i.toString(36)}x${i % 7 ? ' ' : '\n  '}`).join('');
  assert.equal(countTokens(words), libraryCount(words));
  assert.equal(countTokens(''), 0);
});

test('a megabyte-long run of one character (a table rule, a data dump) is counted, a little high, instead of stalling', () => {
  // gpt-tokenizer's count of one piece takes time growing with the square of its length (minutes for a megabyte):
  // it must only ever be given short slices of such a run.
  const original = library.countTokens;
  library.countTokens = ((text: string, options?: Parameters<typeof original>[1]) => {
    if (text.length > 10_000) throw new Error(`gpt-tokenizer was asked to count ${text.length} characters at once`);
    return original(text, options);
  }) as typeof original;
  try {
    assert.ok(countTokens('='.repeat(1_000_000)) >= 1_000_000 / 64);
  } finally {
    library.countTokens = original;
  }
  for (const run of ['='.repeat(20_000), ' '.repeat(20_000), '-*'.repeat(10_000), '😀'.repeat(10_000)]) {
    const exact = libraryCount(run);
    const counted = countTokens(run);
    assert.ok(counted >= exact && counted <= exact * 1.2, `${JSON.stringify(run.slice(0, 4))}… ${counted} against ${exact}`);
  }
});
