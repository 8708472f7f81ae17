/**
 * Where o200k's pre-tokenizer (the pattern gpt-tokenizer splits text with before merging byte pairs) ends the
 * piece that starts at a given place, decided from character codes for ASCII text: the pattern's cost per piece,
 * and the string it cuts for each, were most of counting the tokens of a large docs tree. Its alternatives, in
 * the order the pattern tries them, for ASCII:
 *
 * 1. an optional prefix (one character that is not a letter, a digit or a line break), uppercase letters, then
 *    lowercase ones (at least one), then an optional contraction ('s 'd 'm 't 'll 've 're, either case);
 * 2. the same with uppercase letters (at least one) and no lowercase ones;
 * 3. one to three digits;
 * 4. an optional space, symbols (neither space, letter nor digit), then any line breaks and slashes;
 * 5. white space up to its last line break;
 * 6. white space not followed by anything else (all but the last space of a run before a word);
 * 7. white space.
 *
 * Beyond ASCII a letter, digit, mark or space of another script may continue or change a piece: wherever a
 * character outside ASCII could decide, `asciiPieceEnd` says so (-1) and the caller asks the pattern itself.
 */

const UPPER = 1;
const LOWER = 2;
const DIGIT = 3;
const SPACE = 4;
const LINE_BREAK = 5;
const SYMBOL = 6;

const ASCII_CLASS = new Uint8Array(128).fill(SYMBOL);
for (let code = 0x41; code <= 0x5a; code++) ASCII_CLASS[code] = UPPER;
for (let code = 0x61; code <= 0x7a; code++) ASCII_CLASS[code] = LOWER;
for (let code = 0x30; code <= 0x39; code++) ASCII_CLASS[code] = DIGIT;
for (const code of [0x20, 0x09, 0x0b, 0x0c]) ASCII_CLASS[code] = SPACE;
ASCII_CLASS[0x0a] = LINE_BREAK;
ASCII_CLASS[0x0d] = LINE_BREAK;

/** The class of the character at `at`, or 0 past the end or outside ASCII (tell them apart with `length`). */
function classAt(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code < 0x80 ? ASCII_CLASS[code] : 0;
}

const beyondAscii = (text: string, at: number) => at < text.length && text.charCodeAt(at) >= 0x80;

/** The end of the piece starting at `start`, or -1 when a character outside ASCII may decide it. */
export function asciiPieceEnd(text: string, start: number): number {
  const length = text.length;
  const kind = classAt(text, start);
  if (kind === 0) return -1;
  if (kind === UPPER || kind === LOWER) return lettersEnd(text, start);
  // 1 and 2 with a prefix: anything but a letter, a digit or a line break, before a letter.
  if (kind !== DIGIT && kind !== LINE_BREAK && start + 1 < length) {
    const next = classAt(text, start + 1);
    if (next === 0) return -1;
    if (next === UPPER || next === LOWER) return lettersEnd(text, start + 1);
  }
  if (kind === DIGIT) {
    let end = start + 1;
    while (end < length && end < start + 3 && classAt(text, end) === DIGIT) end++;
    return end < start + 3 && beyondAscii(text, end) ? -1 : end;
  }
  // 4: a space is taken only before symbols.
  let symbols = start;
  if (kind === SPACE && text.charCodeAt(start) === 0x20 && start + 1 < length && classAt(text, start + 1) === SYMBOL) symbols++;
  if (classAt(text, symbols) === SYMBOL) {
    let end = symbols + 1;
    while (end < length && classAt(text, end) === SYMBOL) end++;
    if (beyondAscii(text, end)) return -1;
    while (end < length) {
      const code = text.charCodeAt(end);
      if (code !== 0x0a && code !== 0x0d && code !== 0x2f) break;
      end++;
    }
    return end;
  }
  // 5 to 7: white space.
  let end = start;
  let lastLineBreak = -1;
  for (; end < length; end++) {
    const at = classAt(text, end);
    if (at === LINE_BREAK) lastLineBreak = end;
    else if (at !== SPACE) break;
  }
  if (beyondAscii(text, end)) return -1;
  if (lastLineBreak >= 0) return lastLineBreak + 1;
  if (end === length || end - start === 1) return end;
  return end - 1;
}

/** 1 or 2 from the letter at `start`: uppercase letters, lowercase letters, a contraction. */
function lettersEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length && classAt(text, end) === UPPER) end++;
  while (end < text.length && classAt(text, end) === LOWER) end++;
  if (beyondAscii(text, end)) return -1;
  return contractionEnd(text, end);
}

/** Past a contraction at `at` ('s 'd 'm 't 'll 've 're, either case), or `at` when there is none. */
function contractionEnd(text: string, at: number): number {
  if (text.charCodeAt(at) !== 0x27 || at + 1 >= text.length) return at;
  // `| 0x20` lower-cases an ASCII letter, and makes no other character one.
  const first = text.charCodeAt(at + 1) | 0x20;
  if (first === 0x73 || first === 0x64 || first === 0x6d || first === 0x74) return at + 2; // s d m t
  if (at + 2 >= text.length) return at;
  const second = text.charCodeAt(at + 2) | 0x20;
  const pair = (a: number, b: number) => first === a && second === b;
  return pair(0x6c, 0x6c) || pair(0x76, 0x65) || pair(0x72, 0x65) ? at + 3 : at; // ll ve re
}
