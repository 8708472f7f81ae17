import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { answerQuestion } from '../../src/core/answer/answerQuestion';
import { CitationGrader } from '../../src/core/answer/citationSupport';
import { alignEvidence, passageLinesFromText } from '../../src/core/answer/evidence';
import { checkRestyle } from '../../src/core/answer/restyleCheck';
import type { Source } from '../../src/core/answer/types';
import { AnchoringWriter, type ChatSink } from '../../src/core/chatReply/replyInChat';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { DocsIndex } from '../../src/core/indexing/docsIndex';
import { closeAtEnd, tempDir } from '../support/tempDir';

const source = (n: number, text: string, startLine = 140): Source => ({
  n,
  path: `page${n}.md`,
  startLine,
  endLine: startLine + text.split('\n').length - 1,
  heading: '',
  text,
});

/** The walk's case: a concurrency passage, a rollback passage, and a third about something else. */
const CONCURRENCY = source(
  1,
  [
    'Limiting concurrency in Tune',
    '',
    'To specifies the max number of trials to run concurrently, set max_concurrent_trials in the TuneConfig.',
    'Tune then queues the remaining trials until a slot frees up.',
  ].join('\n'),
);
const ROLLBACK = source(
  2,
  [
    'Rolling back a deployment',
    '',
    'Run the rollback command with the tag of the release you want back.',
    'The service restarts on the tagged image.',
  ].join('\n'),
  10,
);
const CHECKPOINTS = source(
  3,
  ['Checkpoints', '', 'CheckpointConfig keeps the best checkpoints of every trial by a metric.'].join('\n'),
  30,
);
const SOURCES = [CONCURRENCY, ROLLBACK, CHECKPOINTS];

test("the walk's mis-citation is unsupported and gets no evidence lines; the right source is named", () => {
  const [evidence] = alignEvidence('Run the rollback command with the tag [1].', SOURCES, passageLinesFromText);
  assert.equal(evidence.grade, 'unsupported');
  assert.equal(evidence.matched, false, 'no evidence lines: one shared word ("run") is not support');
  assert.deepEqual([evidence.startLine, evidence.endLine], [CONCURRENCY.startLine, CONCURRENCY.endLine]);
  assert.equal(evidence.betterSource, 2, '[2] says this');
});

test('a right citation is supported, with the lines that say it; a partial one is weak', () => {
  const [right] = alignEvidence('Run the rollback command with the tag [2].', SOURCES, passageLinesFromText);
  assert.equal(right.grade, 'supported');
  assert.equal(right.matched, true);
  assert.deepEqual([right.startLine, right.endLine], [12, 12]);
  const grader = new CitationGrader(SOURCES);
  assert.equal(
    grader.grade('Set max_concurrent_trials in the TuneConfig to cap how many trials run at once on each node.', 1).grade,
    'weak',
  );
  // Numbers and code are counted exactly: a passage without the number does not support a sentence that rests on it.
  assert.notEqual(grader.grade('CheckpointConfig keeps the 7 best checkpoints of a trial by `val_loss`.', 3).grade, 'supported');
});

test('an answer with an unsupported citation is partly grounded, and says which citation and which source says it', async () => {
  const provider = {
    name: 'openai',
    model: 'scripted',
    async *stream() {
      yield { type: 'text' as const, text: 'Set max_concurrent_trials in the TuneConfig to limit concurrency [1]. ' };
      yield { type: 'text' as const, text: 'Run the rollback command with the tag [1].' };
    },
  };
  const answer = await answerQuestion({
    question: 'How do I limit concurrency and roll back?',
    search: async () => SOURCES.map((s) => ({ ...s, headingPath: [], anchor: '', score: 1, lexicalScore: 1, vectorScore: 1, coverage: 1 })),
    searchedFiles: 3,
    provider,
    redactSecrets: false,
  });
  assert.deepEqual(
    answer.evidence?.map((e) => e.grade),
    ['supported', 'unsupported'],
  );
  assert.equal(answer.verdict, 'partly-grounded');
  assert.ok(answer.notes.includes('1 citation does not support its sentence: [1] ([2] says this).'), answer.notes.join(' | '));
});

test('the restyle lock rejects a rewrite that moves a marker onto a sentence its source does not say', () => {
  const draft = 'Set max_concurrent_trials in the TuneConfig [1]. Run the rollback command with the tag [2].';
  const moved = 'Set max_concurrent_trials in the TuneConfig. Run the rollback command with the tag [1][2].';
  assert.equal(checkRestyle(draft, moved).ok, true, 'without the sources, only the markers are compared');
  const check = checkRestyle(draft, moved, SOURCES);
  assert.equal(check.ok, false);
  assert.match(check.problems.join(), /moved onto a sentence the source does not say: \[1\]/);
  assert.equal(
    checkRestyle(
      draft,
      'To cap trials, set max_concurrent_trials in the TuneConfig [1]. Run the rollback command with the tag [2].',
      SOURCES,
    ).ok,
    true,
  );
});

test('@groundwork says it next to the marker: an unsupported citation opens its passage, not evidence lines', () => {
  const parts: Array<{ kind: string; value: unknown; range?: unknown }> = [];
  const sink = {
    markdown: (value: string) => parts.push({ kind: 'markdown', value }),
    anchor: (_source: Source, title: string, range?: unknown) => parts.push({ kind: 'anchor', value: title, range }),
    reference: () => {},
    progress: () => {},
  } as unknown as ChatSink;
  new AnchoringWriter(SOURCES, sink).push('Run the rollback command with the tag [1].');
  const anchor = parts.find((p) => p.kind === 'anchor')!;
  assert.equal(anchor.range, undefined);
  assert.ok(
    parts.some(
      // Named by file and lines: VS Code shows the anchor as a pill with the file's name, never as `[1]`.
      (p) =>
        p.kind === 'markdown' && /this source does not appear to support the sentence; \w+\.md:\d+-\d+ says this/.test(String(p.value)),
    ),
  );
});

test('offline extracts quote their sources: every citation is supported by construction', async () => {
  const dir = await tempDir();
  const index = await DocsIndex.open({ root: path.join(__dirname, '../fixtures/docs'), indexDir: dir, embedder: new HashingEmbedder() });
  closeAtEnd(() => index.close());
  await index.update();
  for (const question of ['How do I configure retries?', 'How do I install widgetron?', 'How do I tune the sprocket?']) {
    const answer = await answerQuestion({ question, search: (q, k) => index.search(q, { k }), searchedFiles: index.fileCount });
    if (answer.verdict !== 'offline-extract') continue;
    assert.ok(answer.evidence?.length, question);
    assert.ok(
      answer.evidence.every((e) => e.grade === 'supported'),
      `${question}: ${JSON.stringify(answer.evidence)}`,
    );
  }
});
