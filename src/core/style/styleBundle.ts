/**
 * Entry of `dist/style.js`: the house-style dataset, fine-tuning and evaluation, with the OpenAI client, loaded by
 * the extension only when a team trains or evaluates a style model.
 */
export { buildDataset, toJsonl } from './dataset';
export { FINISHED, fineTuneClient, jobReport, startTraining } from './fineTune';
export { appendJournal } from './jobJournal';
export { evaluateStyle } from './styleEval';
export { OpenAIProvider } from '../providers/openaiProvider';
