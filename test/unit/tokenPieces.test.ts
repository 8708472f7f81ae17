import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { asciiPieceEnd } from '../../src/core/tokenPieces';

// The reference: gpt-tokenizer's own o200k pattern, which its count and encode use.
const O200K = (require('gpt-tokenizer/encodingParams/constants') as { O200K_TOKEN_SPLIT_REGEX: RegExp }).O200K_TOKEN_SPLIT_REGEX; // eslint-disable-line @typescript-eslint/no-require-imports
const byPattern = (text: string) => text.match(new RegExp(O200K.source, 'gu')) ?? [];

/** The pieces as counting cuts them: by character codes where `asciiPieceEnd` decides, by the pattern elsewhere. */
function byCharacterCodes(text: string): string[] {
  const sticky = new RegExp(O200K.source, 'uy');
  const pieces: string[] = [];
  for (let start = 0; start < text.length;) {
    let end = asciiPieceEnd(text, start);
    if (end < 0) {
      sticky.lastIndex = start;
      end = start + sticky.exec(text)![0].length;
    }
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

// Every alternative of the pattern, the characters where they meet, and characters outside ASCII that continue
// or change a piece (letters, marks, digits and spaces of other scripts, surrogates).
const fragment = fc.oneof(
  fc.constantFrom(' ', '  ', '\t', '\v', '\f', '\n', '\r', '\r\n', ' \n ', '\n\n  ', '\x00', '\x1f', '\x7f'),
  fc.constantFrom('(', '((', ' (', '\t(', '/', '/\n', '//\r\n/', '*/', '-->', '=', '|---|', '.', ',', '_', "'"),
  fc.constantFrom("'s", "'S", "'d", "'D", "'m", "'t", "'ll", "'LL", "'lL", "'ve", "'VE", "'re", "'rE", "'x", "'l", "'v"),
  fc.constantFrom('a', 'A', 'word', 'Word', 'WORD', 'ABc', 'McDonald', 'XMLHttp', 'camelCase', '1', '12', '123', '1234'),
  fc.constantFrom('é', 'É', 'ß', 'ǅ', 'ʰ', 'ª', '٣', '²', 'Ⅻ', '\u0300', '\u00a0', '\u2028', '\u3000', '\u200b'),
  fc.constantFrom('\ud83d', '\ude00', '😀', '𝑥', '—', '’', '日本'),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
);

test('property: ASCII pieces found by character codes are the pieces of the o200k pattern', () => {
  fc.assert(
    fc.property(fc.array(fragment, { maxLength: 16 }), (fragments) => {
      const text = fragments.join('');
      assert.deepEqual(byCharacterCodes(text), byPattern(text), JSON.stringify(text));
    }),
    { numRuns: 20_000 },
  );
});

test('a character outside ASCII that may continue a piece is left to the pattern', () => {
  assert.equal(asciiPieceEnd('café', 0), -1);
  assert.equal(asciiPieceEnd('12٣', 0), -1);
  assert.equal(asciiPieceEnd(' \u00a0x', 0), -1);
  assert.equal(asciiPieceEnd("it's", 0), 4);
  assert.equal(asciiPieceEnd('  word', 0), 1);
  assert.equal(asciiPieceEnd('  \n  x', 0), 3);
});
