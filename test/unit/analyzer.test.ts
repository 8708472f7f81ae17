import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyze, words } from '../../src/core/retrieval/analyzer';

/**
 * The analyzer finds ASCII words by scanning character codes (no string is cut for a word it has seen). What it
 * must find is what the word pattern finds, a camelCase identifier also yielding its parts: that definition,
 * written plainly, is the reference here.
 */
function wordsByPattern(text: string): string[] {
  const out: string[] = [];
  for (const word of text.match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? []) {
    out.push(word.toLowerCase());
    if (word.toLowerCase() !== word && /[a-z][A-Z]/.test(word)) {
      for (const part of word.replace(/([a-z])([A-Z])/g, '$1 $2').split(' ')) out.push(part.toLowerCase());
    }
  }
  return out;
}

const fragment = fc.oneof(
  fc.constantFrom("it's", "O'Reilly", "users'", "'90s", "rock'n'roll", 'don’t', 'café’s', "a'é", "x'1", "naïve'", "b'Ωmega"),
  fc.constantFrom('maxRetries', 'HTTPServer', 'getURLForID', 'num_gpus', 'TorchTrainer', 'ΑβΓδ', 'mixedΩCase', 'x²', '½', 'Ⅻ'),
  fc.constantFrom('cafe\u0301', '\u0301start', '𝑥 + 𝑦', '😀emoji', '日本語のテキスト。', 'İstanbul', 'Straße', '\ud800', '\udc00x'),
  fc.constantFrom(' ', '\n', "'", '’', '-', '_', '.', '`', '/', '(', ')'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.lorem({ maxCount: 6 }),
);

test('property: the words found by scanning are the words the pattern finds, first seen or looked up again', () => {
  fc.assert(
    fc.property(fc.array(fragment, { maxLength: 20 }), (fragments) => {
      const text = fragments.join('');
      // Twice: the second time every word comes from what the first kept.
      assert.deepEqual(words(text), wordsByPattern(text), JSON.stringify(text));
      assert.deepEqual(words(text), wordsByPattern(text), JSON.stringify(text));
    }),
    { numRuns: 4000 },
  );
});

test('a word reads the same as written alone, inside a longer text, and after its letters were seen in other case', () => {
  assert.deepEqual(analyze('Retries'), ['retri']);
  assert.deepEqual(analyze('the retries, RETRIES and maxRetries'), ['retri', 'retri', 'maxretri', 'maximum', 'retri']);
  assert.deepEqual(analyze('retries'), analyze('Retries'));
  // Over 40 characters: no term, and the compound that a long word interrupts is not closed across it.
  assert.deepEqual(analyze(`roll ${'x'.repeat(41)} back`), ['roll', 'back']);
});
