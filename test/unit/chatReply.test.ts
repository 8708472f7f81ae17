import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { answerQuestion } from '../../src/core/answer/answerQuestion';
import type { Source } from '../../src/core/answer/types';
import { type ChatSink, replyInChat, type ReplyDeps, type ReplyRequest } from '../../src/core/chatReply/replyInChat';
import { HashingEmbedder } from '../../src/core/embedding/hashingEmbedder';
import { DocsIndex } from '../../src/core/indexing/docsIndex';
import { OpenAIProvider } from '../../src/core/providers/openaiProvider';
import { LoopbackOpenAI } from '../support/loopbackOpenAI';
import { tempDir } from '../support/tempDir';

let server: LoopbackOpenAI;
let index: DocsIndex;

before(async () => {
  server = await new LoopbackOpenAI().start();
  index = await DocsIndex.open({
    root: path.join(__dirname, '../fixtures/docs'),
    indexDir: path.join(await tempDir(), 'idx'),
    embedder: new HashingEmbedder(),
  });
  await index.update();
});
after(async () => {
  await server.stop();
  // The temporary folder may already be gone (its own cleanup runs first): only the lock is released here.
  await index.close().catch(() => undefined);
});

type Part =
  | { kind: 'markdown'; text: string }
  | { kind: 'anchor'; title: string; path: string; lines: [number, number] }
  | { kind: 'reference'; path: string; lines: [number, number] }
  | { kind: 'progress'; text: string };

/** A response stream that records what it was given, in order. */
function recordingSink(): ChatSink & { parts: Part[]; text: () => string } {
  const parts: Part[] = [];
  const lines = (s: Pick<Source, 'startLine' | 'endLine'>): [number, number] => [s.startLine, s.endLine];
  return {
    parts,
    markdown: (text) => parts.push({ kind: 'markdown', text }),
    anchor: (source, title, evidence) => parts.push({ kind: 'anchor', title, path: source.path, lines: lines(evidence ?? source) }),
    reference: (source) => parts.push({ kind: 'reference', path: source.path, lines: lines(source) }),
    progress: (text) => parts.push({ kind: 'progress', text }),
    text: () => parts.map((p) => (p.kind === 'markdown' ? p.text : p.kind === 'anchor' ? `{${p.title}}` : '')).join(''),
  };
}

/** The participant's dependencies, wired to the real answer pipeline, index and a loopback model. */
function deps(): ReplyDeps {
  const provider = new OpenAIProvider({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o', maxRetries: 0 });
  return {
    answer: ({ question, ...rest }) =>
      answerQuestion({ question, ...rest, search: (q, k) => index.search(q, { k }), searchedFiles: index.fileCount, provider }),
    search: (query, k) => index.search(query, { k }),
  };
}

const request = (prompt: string, extra: Partial<ReplyRequest> = {}): ReplyRequest => ({
  prompt,
  history: [],
  streaming: true,
  signal: new AbortController().signal,
  ...extra,
});

test('@groundwork: each [n] becomes an anchor to the lines that say its sentence, a bogus [n] never does, and sources are references', async () => {
  server.enqueue({ chunks: ['Set `max_retries` on the client', ' [1]. The default is three', ' retries [', '1]. Ignore [7].'] });
  const sink = recordingSink();
  const metadata = await replyInChat(request('How do I configure max_retries for the Widgetron client?'), deps(), sink);

  const anchors = sink.parts.filter((p) => p.kind === 'anchor');
  assert.deepEqual(
    anchors.map((a) => [a.title, a.path, a.lines]),
    [
      ['[1]', 'guide/retries.rst', [11, 11]],
      ['[1]', 'guide/retries.rst', [16, 16]],
    ],
  );
  assert.doesNotMatch(sink.text(), /\[7\]/, 'a marker with no source is removed, not linked');
  const references = sink.parts.filter((p) => p.kind === 'reference');
  assert.ok(references.length >= 1 && references[0].path === 'guide/retries.rst');
  // The closing line names the cited file as its pills do (VS Code shows no `[n]`), and counts what was sent.
  assert.match(sink.text(), /Grounded in your docs · cites retries\.rst \(1 of \d+ sources?\) · gpt-4o/);
  assert.equal(metadata.verdict, 'grounded');
  assert.equal(metadata.canAnswerAnyway, false);
});

test('@groundwork: a source cited twice in a row is one pill; notes name sources by file and lines, as the pills do', async () => {
  server.enqueue({ content: 'Set `max_retries` on the client [1] [1][1]. Also see [2].' });
  const sink = recordingSink();
  await replyInChat(request('How do I configure max_retries for the Widgetron client?'), deps(), sink);
  const anchors = sink.parts.filter((p) => p.kind === 'anchor');
  assert.equal(anchors.filter((a) => a.title === '[1]').length, 1, 'one pill for [1] [1][1]');
  const text = sink.text();
  assert.doesNotMatch(text.split('*Grounded')[1] ?? text.split('*Partly')[1] ?? '', /(?<!\\)\[\d+\](?!\()/, 'no bare [n] after the answer');
  const notes = sink.parts.filter((p) => p.kind === 'markdown' && p.text.startsWith('\n\n> ')).map((p) => (p as { text: string }).text);
  for (const note of notes) assert.doesNotMatch(note, /\\\[[12]\\\]/, `a note names a source by number: ${note}`);
});

test('@groundwork abstains with the nearest sections as anchors and offers to answer anyway', async () => {
  const before = server.requests.length;
  const sink = recordingSink();
  const metadata = await replyInChat(request('What is the capital of Mongolia and its population in 1950?'), deps(), sink);
  assert.equal(server.requests.length, before, 'no model was asked');
  assert.equal(metadata.verdict, 'not-in-docs');
  assert.match(sink.text(), /The docs don't cover this/);
  assert.match(sink.text(), /Closest sections:/);
  assert.ok(sink.parts.some((p) => p.kind === 'anchor' && /:\d+-\d+$/.test(p.title)));
  assert.equal(metadata.canAnswerAnyway, true);

  server.enqueue({ content: 'The docs do not say [1].' });
  const anyway = await replyInChat(request(metadata.question, { command: 'anyway' }), deps(), recordingSink());
  assert.equal(server.requests.length, before + 1, '/anyway asks the model');
  assert.notEqual(anyway.verdict, undefined);
});

test("@groundwork's closest sections say which of the question's words they hold", async () => {
  const sink = recordingSink();
  const metadata = await replyInChat(request('What was the Widgetron population of Mongolia in 1950?'), deps(), sink);
  assert.equal(metadata.verdict, 'not-in-docs');
  assert.match(sink.text(), /\(matches Widgetron\)/);
});

test('@groundwork /search lists passages with anchors and references, and asks no model', async () => {
  const before = server.requests.length;
  const sink = recordingSink();
  await replyInChat(request('pip install widgetron', { command: 'search' }), deps(), sink);
  assert.equal(server.requests.length, before);
  const anchors = sink.parts.filter((p) => p.kind === 'anchor');
  assert.ok(anchors.length >= 1);
  assert.match(anchors[0].title, /^[\w/.-]+:\d+-\d+$/);
  assert.equal(sink.parts.filter((p) => p.kind === 'reference').length, anchors.length);
  assert.match(sink.text(), /\*\(matches pip, install, widgetron\)\*/, 'each passage says which words brought it up');
});

test('@groundwork /explain explains the selection; without one it says what to do', async () => {
  const sink = recordingSink();
  await replyInChat(request('', { command: 'explain' }), deps(), sink);
  assert.match(sink.text(), /Select the code or text to explain/);

  server.enqueue({ content: 'It sets the retry limit [1].' });
  const before = server.requests.length;
  await replyInChat(
    request('', {
      command: 'explain',
      explain: { file: 'src/client.py', language: 'python', text: 'client = Widgetron(max_retries=5)', startLine: 3, endLine: 3 },
    }),
    deps(),
    recordingSink(),
  );
  const sent = server.requests[before].body.messages.at(-1).content as string;
  assert.match(sent, /Explain this python from src\/client\.py \(line 3\)/);
});

test('@groundwork stops when the request is cancelled, and a restyled reply is written once at the end', async () => {
  server.enqueue({ chunks: ['Set `max_retries`', ' on the client [1].'], delayBetweenChunksMs: 400 });
  const controller = new AbortController();
  const sink = recordingSink();
  const reply = replyInChat(
    request('How do I configure max_retries for the Widgetron client?', { signal: controller.signal }),
    deps(),
    sink,
  );
  setTimeout(() => controller.abort(), 200);
  await assert.rejects(reply, /Cancelled/);

  server.enqueue({ chunks: ['Set `max_retries`', ' on the client [1].'] });
  const buffered = recordingSink();
  await replyInChat(request('How do I configure max_retries for the Widgetron client?', { streaming: false }), deps(), buffered);
  const firstText = buffered.parts.findIndex((p) => p.kind === 'markdown');
  assert.equal((buffered.parts[firstText] as { text: string }).text, 'Set `max_retries` on the client ', 'the whole answer at once');
});
