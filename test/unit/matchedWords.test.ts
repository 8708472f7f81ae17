import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MOST_MATCHED_WORDS, matchedWords } from '../../src/core/retrieval/matchedWords';

const passage = (text: string, heading = '', path = 'docs/page.md') => ({ path, heading, text });

test('a source says which of the question’s words it holds, as the user wrote them, stopwords left out', () => {
  const words = matchedWords(
    'How do I configure max_retries for the Widgetron client?',
    passage('Set `max_retries` when you create the client; it configures the retry budget.'),
  );
  assert.deepEqual(words, ['configure', 'max_retries', 'client']);
});

test('word forms count as the search counts them: compounds open or closed, identifier parts, inflections, heading and path', () => {
  assert.deepEqual(matchedWords('How do I roll back with the tag?', passage('Run `acme rollback --to v1.2.2`.', 'Rollback')), [
    'roll back',
  ]);
  assert.deepEqual(matchedWords('What does TorchTrainer do?', passage('The torch trainer runs a training loop.')), ['TorchTrainer']);
  assert.deepEqual(matchedWords('How many GPUs per worker?', passage('Set num_gpus.', 'Resources', 'docs/workers.md')), ['GPUs', 'worker']);
  // An identifier counts only when all its parts are there: "max" alone does not explain `max_retries`.
  assert.deepEqual(matchedWords('max_retries', passage('The max value.')), []);
});

test('a passage found by related wording alone holds none of the words, and the list stays short', () => {
  assert.deepEqual(matchedWords('Which accelerator?', passage('Reserve GPUs for each worker.')), []);
  const long = Array.from({ length: 20 }, (_, i) => `term${i}`).join(' ');
  assert.equal(matchedWords(long, passage(long)).length, MOST_MATCHED_WORDS);
  assert.deepEqual(matchedWords('Client client CLIENT', passage('a client')), ['Client']);
});
