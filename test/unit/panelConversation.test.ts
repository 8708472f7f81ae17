import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Answer } from '../../src/core/answer/types';
import {
  type ConversationDeps,
  MAX_STORED_TURNS,
  PanelConversation,
  REPLACED,
  STOPPED,
  type StoredTurn,
} from '../../src/core/chatReply/panelConversation';
import type { HostMessage } from '../../src/shared/protocol';

const SOURCE = { n: 1, path: 'guide.md', startLine: 4, endLine: 9, heading: 'Retries', text: 'Retry text' };

function answerTo(question: string): Answer {
  return {
    answer: `About ${question} [1].`,
    sources: [{ ...SOURCE }],
    citations: [1],
    removedCitations: [],
    verdict: 'grounded',
    provider: 'openai',
    model: 'gpt-4o-mini',
    usage: { promptTokens: 10, completionTokens: 5 },
    notes: [],
    evidence: [{ n: 1, startLine: 5, endLine: 5, matched: true, grade: 'supported' }],
    searchedFiles: 1,
  } as Answer;
}

/** The panel's page and storage recorded; answers come from `answer`, which may stream, wait or fail. */
function conversation(answer: ConversationDeps['answer'], turns: StoredTurn[] = []) {
  const posted: HostMessage[] = [];
  const saved: StoredTurn[][] = [];
  const chat = new PanelConversation(turns, {
    answer,
    post: (message) => posted.push(message),
    save: async (kept) => void saved.push(structuredClone(kept)),
    multiRoot: () => false,
  });
  return { chat, posted, saved };
}

/** An answer that streams a word, then waits until it is stopped (or released). */
function slowAnswer() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const answer: ConversationDeps['answer'] = async (question, _history, options) => {
    options.onDelta('About ');
    await Promise.race([
      released,
      new Promise((_, reject) =>
        options.signal.addEventListener('abort', () => reject(Object.assign(new Error('Cancelled.'), { kind: 'cancelled' }))),
      ),
    ]);
    return answerTo(question);
  };
  return { answer, release };
}

test('one answer at a time: a second question stops the first and says so; then nothing is left running', async () => {
  const slow = slowAnswer();
  let calls = 0;
  const { chat, posted } = conversation((question, history, options) =>
    ++calls === 1 ? slow.answer(question, history, options) : Promise.resolve(answerTo(question)),
  );
  const first = chat.run('How do I configure retries?');
  await new Promise((resolve) => setImmediate(resolve));
  const firstId = chat.streamingId!;
  assert.ok(firstId, 'the first answer is streaming');
  await chat.run('Explain this python from src/client.py');
  await first;
  assert.equal(chat.streamingId, undefined, 'Stop has nothing left to belong to: Send comes back');
  assert.deepEqual(
    posted.find((m) => m.type === 'error' && m.id === firstId),
    { type: 'error', id: firstId, message: REPLACED },
  );
  assert.equal(chat.turns[0].error, REPLACED);
  assert.equal(chat.turns[1].result?.verdict, 'grounded');
});

test('a stopped, cut-off or failed answer stays on screen but out of the history sent with the next question', async () => {
  const slow = slowAnswer();
  const answers: Array<ConversationDeps['answer']> = [
    async (q) => answerTo(q),
    slow.answer,
    async (_q, _h, options) => {
      options.onDelta('Ray Tune schedules trials');
      throw Object.assign(new Error('The answer was cut off: the connection closed before the model finished.'), { kind: 'cut-off' });
    },
    async () => {
      throw new Error('The model server refused the key.');
    },
  ];
  const histories: number[] = [];
  const { chat } = conversation((q, history, options) => {
    histories.push(history.length);
    return answers.shift()!(q, history, options);
  });
  await chat.run('first');
  const stopped = chat.run('second');
  await new Promise((resolve) => setImmediate(resolve));
  chat.stop(chat.streamingId!);
  await stopped;
  await chat.run('third');
  await chat.run('fourth');
  assert.deepEqual(
    chat.turns.map((t) => t.error ?? 'answered'),
    ['answered', STOPPED, 'The answer was cut off: the connection closed before the model finished.', 'The model server refused the key.'],
  );
  assert.equal(chat.turns[2].answer, 'Ray Tune schedules trials', 'what arrived is kept, to show as partial');
  assert.deepEqual(histories, [0, 2, 2, 2], 'only the answered turn is history');
  assert.equal(chat.history().length, 2);
});

test("a moved source moves the turn's sources and evidence lines, and the move is kept", async () => {
  const { chat, saved } = conversation(async (q) => answerTo(q));
  await chat.run('How do I configure retries?');
  const id = chat.turns[0].id;
  const turn = await chat.followSource({ turnId: id, n: 1, delta: 3, stale: false });
  assert.deepEqual([turn?.sources?.[0].startLine, turn?.result?.sources[0].startLine, turn?.evidence?.[0].startLine], [7, 7, 8]);
  assert.equal(saved.at(-1)![0].sources![0].startLine, 7);
  assert.equal(await chat.followSource({ turnId: 'gone', n: 1, delta: 3, stale: false }), undefined);
});

test(`the newest ${MAX_STORED_TURNS} turns are kept`, async () => {
  const old = Array.from({ length: MAX_STORED_TURNS }, (_, i) => ({ id: `t${i}`, question: `q${i}`, answer: 'a' }));
  const { chat, saved } = conversation(async (q) => answerTo(q), old);
  await chat.run('newest');
  assert.equal(saved.at(-1)!.length, MAX_STORED_TURNS);
  assert.equal(saved.at(-1)![0].id, 't1');
  assert.equal(saved.at(-1)!.at(-1)!.question, 'newest');
});
