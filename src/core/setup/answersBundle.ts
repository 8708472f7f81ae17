/**
 * Entry of `dist/answers.js`: the answer pipeline, its set-up from settings, and the OpenAI client, loaded by the
 * extension on the first question. Kept out of `dist/extension.js` so activation never parses the tokenizer's data
 * or the client.
 */
export { answerQuestion } from '../answer/answerQuestion';
export { answerSetup } from './answerSetup';
