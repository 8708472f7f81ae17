import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { chunkDocument } from '../../src/core/chunking/chunkDocument';
import { type CountedPart, joinedTokens } from '../../src/core/chunking/joinedTokens';
import { notebookCellAt } from '../../src/core/chunking/notebookLines';
import { splitLines } from '../../src/core/discovery/readDocument';
import { countTokens } from '../../src/core/tokens';
import type { Chunk } from '../../src/core/types';

const fixtures = path.join(__dirname, '../fixtures/docs');
const read = (relative: string) => readFileSync(path.join(fixtures, relative), 'utf8');
/** One chunk per section: small sections are not packed together, so the section structure shows. */
const BY_SECTION = { maxTokens: 400, overlapLines: 0, mergeSectionsUpTo: 0 };

function linesOf(chunks: Chunk[], text: string): string[] {
  const lines = splitLines(text);
  return chunks.map((c) => lines.slice(c.startLine - 1, c.endLine).join('\n'));
}

/** Every non-blank line of the file lies inside some chunk's line range. */
function assertCovers(chunks: Chunk[], text: string): void {
  const lines = splitLines(text);
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    assert.ok(
      chunks.some((c) => c.startLine <= i + 1 && i + 1 <= c.endLine),
      `line ${i + 1} (${JSON.stringify(line.slice(0, 40))}) is in no chunk`,
    );
  });
}

test('markdown splits by section with heading path, anchors and 1-based line ranges', () => {
  const text = read('guide/install.md');
  const chunks = chunkDocument('guide/install.md', text, BY_SECTION);
  assert.deepEqual(
    chunks.map((c) => [c.startLine, c.endLine, c.headingPath.join(' > '), c.anchor]),
    [
      [1, 8, 'Installing Widgetron', 'installing-widgetron'],
      [10, 12, 'Installing Widgetron > Requirements', 'requirements'],
      [14, 26, 'Installing Widgetron > Install with pip', 'install-with-pip'],
      [28, 30, 'Installing Widgetron > Troubleshooting', 'trouble'],
    ],
  );
  // The chunk text is exactly the file's text at the reported lines, so a citation opens what was indexed.
  assert.deepEqual(
    chunks.map((c) => c.text),
    linesOf(chunks, text),
  );
  assert.ok(chunks.every((c) => c.tokens > 0));
});

test('front matter joins the first section, and its title heads the path when there is no top-level heading', () => {
  const chunks = chunkDocument('a.md', '---\ntitle: "Guide"\n---\n\n## Part one\n\nText.\n', BY_SECTION);
  assert.deepEqual(
    chunks.map((c) => [c.startLine, c.endLine, c.headingPath]),
    [[1, 7, ['Guide', 'Part one']]],
  );
});

test('inline HTML in a heading is not part of its title; an HTML anchor in it is its anchor; code spans keep their brackets', () => {
  const text = '# <a name="begin"></a> The beginthread functions\n\nText.\n\n## Using `vector<int>` <sup>new</sup>\n\nMore.\n';
  const chunks = chunkDocument('a.md', text, BY_SECTION);
  assert.deepEqual(
    chunks.map((c) => [c.headingPath, c.anchor]),
    [
      [['The beginthread functions'], 'begin'],
      [['The beginthread functions', 'Using vector<int> new'], 'using-vectorint-new'],
    ],
  );
});

test('small consecutive sections are packed into one chunk headed by the headings they share', () => {
  const text = read('guide/install.md');
  const [only] = chunkDocument('guide/install.md', text, { maxTokens: 400, overlapLines: 0, mergeSectionsUpTo: 200 });
  assert.deepEqual([only.startLine, only.endLine, only.headingPath], [1, 30, ['Installing Widgetron']]);
  const big = `# Top\n\n## A\n\n${'alpha words here. '.repeat(60)}\n\n## B\n\n${'beta words here. '.repeat(60)}\n`;
  const chunks = chunkDocument('big.md', big, { maxTokens: 400, overlapLines: 0, mergeSectionsUpTo: 200 });
  assert.deepEqual(
    chunks.map((c) => c.headingPath.join(' > ')),
    ['Top > A', 'Top > B'],
  );
});

test('a fenced code block and a table stay whole when the section is split', () => {
  const prose = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} explains one more detail of the system.`).join('\n\n');
  const code = ['```python', ...Array.from({ length: 20 }, (_, i) => `value_${i} = compute(${i})`), '```'].join('\n');
  const table = ['| a | b |', '|---|---|', ...Array.from({ length: 15 }, (_, i) => `| ${i} | ${i * 2} |`)].join('\n');
  const text = `# Big\n\n${prose}\n\n${code}\n\n${table}\n\n${prose}\n`;
  const chunks = chunkDocument('big.md', text, { maxTokens: 300, overlapLines: 0 });
  assert.ok(chunks.length > 2);
  const fenceStart = splitLines(text).indexOf('```python') + 1;
  const holding = chunks.filter((c) => c.startLine <= fenceStart && fenceStart <= c.endLine);
  assert.equal(holding.length, 1);
  assert.ok(holding[0].text.includes('value_19 = compute(19)\n```'));
  assert.ok(chunks.some((c) => c.text.includes('| a | b |') && c.text.includes('| 14 | 28 |')));
  assert.ok(chunks.every((c) => c.tokens <= 300));
  assertCovers(chunks, text);
});

test('a code block larger than a chunk is split on line boundaries', () => {
  const code = ['```', ...Array.from({ length: 300 }, (_, i) => `line ${i} of a very long listing`), '```'].join('\n');
  const chunks = chunkDocument('code.md', `# Listing\n\n${code}\n`, { maxTokens: 200, overlapLines: 0 });
  assert.ok(chunks.length >= 5);
  assert.ok(chunks.every((c) => c.tokens <= 200));
  assertCovers(chunks, `# Listing\n\n${code}\n`);
});

test('an unterminated code fence keeps the rest of the document, split by lines', () => {
  const text = `# Title\n\nIntro.\n\n\`\`\`js\n${'console.log(1);\n'.repeat(200)}`;
  const chunks = chunkDocument('open.md', text, { maxTokens: 150, overlapLines: 0 });
  assertCovers(chunks, text);
});

test('deeply nested lists do not break chunking', () => {
  const text = `# Lists\n\n${Array.from({ length: 60 }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n')}\n`;
  const chunks = chunkDocument('lists.md', text);
  assertCovers(chunks, text);
});

test('a 10 MB single line is split into pieces that all cite that line and lose no text', () => {
  const line = 'word '.repeat(2 * 1024 * 1024);
  const chunks = chunkDocument('one-line.txt', line, { maxTokens: 400, overlapLines: 0 });
  assert.ok(chunks.length > 100);
  assert.ok(chunks.every((c) => c.startLine === 1 && c.endLine === 1 && c.tokens <= 400));
  assert.equal(chunks.map((c) => c.text).join(''), line.replace(/\s+$/, '') + (line.endsWith(' ') ? ' ' : ''));
});

test('reStructuredText: titles by adornment, labels as anchors, literal blocks kept whole', () => {
  const text = read('guide/retries.rst');
  const chunks = chunkDocument('guide/retries.rst', text, BY_SECTION);
  assert.deepEqual(
    chunks.map((c) => [c.startLine, c.headingPath.join(' > '), c.anchor]),
    [
      [1, 'Retry policy', 'retry-policy'],
      [8, 'Retry policy > Configuring retries', 'configuring-retries'],
      [18, 'Retry policy > Configuring retries > Timeouts', 'timeouts'],
    ],
  );
  assert.ok(chunks[1].text.includes('client = Widgetron(max_retries=5)\n    client.fetch("items")'));
  assertCovers(chunks, text);
});

test('notebooks: markdown cells only, cited at their lines in the .ipynb file', () => {
  const text = read('guide/tour.ipynb');
  const chunks = chunkDocument('guide/tour.ipynb', text, BY_SECTION);
  assert.ok(chunks.every((c) => !c.text.includes('code cells are not indexed')));
  const fileLines = splitLines(text);
  const tuning = chunks.find((c) => c.headingPath.includes('Sprocket tuning'))!;
  assert.match(fileLines[tuning.startLine - 1], /## Sprocket tuning/);
  assert.match(fileLines[tuning.endLine - 1], /Tune the sprocket/);
});

test('a malformed notebook is an error the indexer can report', () => {
  assert.throws(() => chunkDocument('bad.ipynb', '{"cells": [ oops'), /malformed notebook/);
});

test('plain text and AsciiDoc are chunked too', () => {
  const chunks = chunkDocument('api/notes.txt', read('api/notes.txt'), BY_SECTION);
  assert.equal(chunks.length, 1);
  const adoc = chunkDocument('a.adoc', '= Manual\n\nIntro.\n\n[[setup]]\n== Setup\n\n----\nmake install\n----\n', BY_SECTION);
  assert.deepEqual(
    adoc.map((c) => [c.headingPath.join(' > '), c.anchor]),
    [
      ['Manual', 'manual'],
      ['Manual > Setup', 'setup'],
    ],
  );
});

test('a page that spells out special tokens (an LLM prompt format) is chunked and counted as plain text', () => {
  const text = '# Prompt format\n\nEnd each sample with `<|endoftext|>`; chat turns open with <|im_start|>user.\n';
  const chunks = chunkDocument('llm.md', text);
  assert.equal(chunks.length, 1);
  assert.match(chunks[0].text, /<\|endoftext\|>/);
  assert.equal(chunks[0].tokens, countTokens(chunks[0].text));
  assert.ok(chunks[0].tokens > 20);
});

test('a section whose text was a whole chunk before takes its known count instead of being counted again', () => {
  const before = '# Guide\n\nIntro text.\n\n## Install\n\nRun the installer.\n\n## Use\n\nCall the API.\n';
  const sizing = { maxTokens: 400, overlapLines: 0, mergeSectionsUpTo: 0 };
  const chunks = chunkDocument('g.md', before, sizing);
  const known = new Map(chunks.map((c) => [c.text, c.tokens]));
  const after = before.replace('Call the API.', 'Call the API twice.');
  const rechunked = chunkDocument('g.md', after, sizing, known);
  assert.deepEqual(rechunked, chunkDocument('g.md', after, sizing));
  // The counts really come from the map for unchanged text (a wrong one would show), and never for changed text.
  const marked = new Map([...known].map(([text]) => [text, 7]));
  const reused = chunkDocument('g.md', after, sizing, marked);
  assert.deepEqual(
    reused.map((c) => c.tokens === 7),
    reused.map((c) => !c.text.includes('twice')),
  );
});

test('empty and blank files give no chunks', () => {
  assert.deepEqual(chunkDocument('e.md', ''), []);
  assert.deepEqual(chunkDocument('e.rst', '\n\n   \n'), []);
});

const markdownLine = fc.oneof(
  fc.constant(''),
  fc.constant('```'),
  fc.constant('~~~python'),
  fc.constant('---'),
  fc.constant('| a | b |'),
  fc.constant('|---|---|'),
  fc.constant('<div>'),
  fc.constant('    indented code'),
  fc.constant('Title\n====='),
  fc.constant('.. note::'),
  fc.constant('(target)='),
  fc.string({ maxLength: 60 }).map((s) => s.replace(/[\r\n]/g, ' ')),
  fc.tuple(fc.integer({ min: 1, max: 6 }), fc.string({ maxLength: 30 })).map(([n, s]) => `${'#'.repeat(n)} ${s.replace(/[\r\n]/g, ' ')}`),
  fc.lorem({ maxCount: 40 }),
);

for (const extension of ['md', 'rst', 'txt', 'adoc']) {
  test(`property: ${extension} chunks cover every non-blank line, stay in range, count their tokens exactly and are deterministic`, () => {
    fc.assert(
      fc.property(
        fc.array(markdownLine, { maxLength: 120 }),
        fc.integer({ min: 40, max: 400 }),
        fc.constantFrom(0, 100, 200),
        (lines, maxTokens, merge) => {
          const text = lines.join('\n');
          const sizing = { maxTokens, overlapLines: 0, mergeSectionsUpTo: merge };
          const chunks = chunkDocument(`doc.${extension}`, text, sizing);
          assertCovers(chunks, text);
          const lineCount = splitLines(text).length;
          for (const c of chunks) {
            assert.ok(c.startLine >= 1 && c.startLine <= c.endLine && c.endLine <= lineCount);
            assert.ok(c.text.trim().length > 0);
            // Counts are reused from the units a chunk was packed from; they must still be this text's.
            assert.equal(c.tokens, countTokens(c.text));
          }
          assert.deepEqual(chunkDocument(`doc.${extension}`, text, sizing), chunks);
        },
      ),
      { numRuns: 150 },
    );
  });
}

// Container lines too: a heading inside a list item or a quote does not start a section.
const editLine = fc.oneof(
  markdownLine,
  fc.constantFrom(
    '- item',
    '> quote',
    '> ## quoted heading',
    '10. item',
    '  ## indented heading',
    '   continued',
    '<!-- comment',
    '-->',
    '## Heading',
  ),
);

/** Pages of headed sections, long enough to be split, with any of the lines above among their paragraphs. */
const sectionedPage = fc
  .array(
    fc.tuple(
      fc.lorem({ maxCount: 3 }),
      fc.array(fc.oneof({ weight: 4, arbitrary: fc.lorem({ maxCount: 30 }) }, { weight: 2, arbitrary: fc.constant('') }, editLine), {
        maxLength: 20,
      }),
    ),
    { maxLength: 8 },
  )
  .map((sections) => sections.flatMap(([title, body]) => [`## ${title}`, '', ...body, '']));

for (const extension of ['md', 'rst', 'txt', 'adoc']) {
  test(`property: ${extension} chunks after an edit are the same with the known counts of the previous chunks at hand as without`, () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.array(editLine, { maxLength: 120 }), sectionedPage),
        fc.nat(),
        fc.nat({ max: 8 }),
        fc.array(editLine, { maxLength: 8 }),
        fc.integer({ min: 40, max: 400 }),
        fc.constantFrom(0, 100, 200),
        (lines, at, removed, inserted, maxTokens, merge) => {
          const sizing = { maxTokens, overlapLines: 0, mergeSectionsUpTo: merge };
          const path = `doc.${extension}`;
          const known = new Map(chunkDocument(path, lines.join('\n'), sizing).map((c) => [c.text, c.tokens]));
          const edited = [...lines];
          edited.splice(at % (lines.length + 1), removed, ...inserted);
          const text = edited.join('\n');
          assert.deepEqual(chunkDocument(path, text, sizing, known), chunkDocument(path, text, sizing));
        },
      ),
      { numRuns: 300 },
    );
  });
}

// Line endings and starts where o200k's pre-tokenizer behaves specially: punctuation that carries line breaks and
// slashes, contractions, digits, combining marks, astral letters, indentation and whitespace-only lines.
const tokenizerEdgeLine = fc.oneof(
  fc.constantFrom(
    '',
    '   ',
    '\t',
    '//',
    '/**/',
    ';',
    '// comment',
    '/path/to',
    'ends with a dot.',
    "the users'",
    "it's",
    'x = 1;',
    '1234567',
  ),
  fc.constantFrom('cafe\u0301', '!\u0301.', '\u0301start', '𝑥 + 𝑦 = 𝑧', '日本語のテキスト。', '  indented code', '    ', '*/', '```'),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, ' ')),
  // Any code points, line and paragraph separators included (whitespace to the pre-tokenizer, not line breaks).
  fc.string({ unit: 'binary', maxLength: 8 }).map((s) => s.replace(/[\r\n]/g, ' ')),
  fc.constantFrom('\u2028', 'a\u2028', '\u2028b', '\u00a0x', 'x\u00a0'),
  fc.lorem({ maxCount: 6 }),
);

test("property: a joined text's token count put together from its parts' counts is the count of the joined text", () => {
  fc.assert(
    fc.property(fc.array(tokenizerEdgeLine, { minLength: 1, maxLength: 14 }), fc.array(fc.boolean(), { maxLength: 14 }), (texts, cuts) => {
      const outline = { lines: texts.map((text) => ({ text })) };
      // Parts are runs of lines whose first and last lines are not blank, cut where the booleans say.
      const parts: CountedPart[] = [];
      let start: number | undefined;
      texts.forEach((text, i) => {
        if (!text.trim()) return;
        if (start === undefined) start = i;
        const nextNonBlank = texts.findIndex((t, j) => j > i && t.trim());
        if (nextNonBlank < 0 || cuts[i]) {
          parts.push({ start, end: i, count: countTokens(texts.slice(start, i + 1).join('\n')) });
          start = undefined;
        }
      });
      if (!parts.length) return;
      const joined = joinedTokens(outline, parts);
      const text = texts.slice(parts[0].start, parts.at(-1)!.end + 1).join('\n');
      if (joined !== undefined) assert.equal(joined, countTokens(text), JSON.stringify(text));
    }),
    { numRuns: 3000 },
  );
});

test('a citation of notebook file lines maps to its cell and the lines inside it (for the notebook editor)', () => {
  const notebook = {
    cells: [
      { cell_type: 'markdown', metadata: {}, source: ['# Many models\n', '\n', 'Train one model per task.\n', 'Gather the results.'] },
      { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: ['import ray\n', 'ray.init()'] },
      { cell_type: 'markdown', metadata: {}, source: ['## Next\n', 'Deploy them.'] },
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
  const raw = JSON.stringify(notebook, null, 1);
  const lineOf = (text: string) => raw.split('\n').findIndex((l) => l.includes(text)) + 1;
  assert.deepEqual(notebookCellAt(raw, lineOf('Train one model'), lineOf('Gather the results')), { cell: 0, startLine: 2, endLine: 3 });
  assert.deepEqual(notebookCellAt(raw, lineOf('Deploy them'), lineOf('Deploy them')), { cell: 2, startLine: 1, endLine: 1 });
  // A chunk's lines are file lines of cell sources: its first cell is found (a chunk may span small cells).
  for (const chunk of chunkDocument('start.ipynb', raw))
    assert.ok(notebookCellAt(raw, chunk.startLine, chunk.endLine), `${chunk.startLine}-${chunk.endLine}`);
  assert.equal(notebookCellAt(raw, 1, 1), undefined, 'lines outside any cell source');
});
