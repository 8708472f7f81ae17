import path from 'node:path';
import type * as Answers from '../core/setup/answersBundle';
import type * as Style from '../core/style/styleBundle';

let answers: typeof Answers | undefined;

/** The answer pipeline, from its own bundle next to this one, loaded on first use. */
export function loadAnswers(extensionPath: string): typeof Answers {
  // A runtime require of a path esbuild cannot see: the module stays out of the activation bundle.
  answers ??= require(path.join(extensionPath, 'dist', 'answers.js')) as typeof Answers; // eslint-disable-line @typescript-eslint/no-require-imports
  return answers;
}

let style: typeof Style | undefined;

/** House-style training and evaluation, from its own bundle, loaded when a team trains a style model. */
export function loadStyle(extensionPath: string): typeof Style {
  style ??= require(path.join(extensionPath, 'dist', 'style.js')) as typeof Style; // eslint-disable-line @typescript-eslint/no-require-imports
  return style;
}
