import { promises as fs } from 'node:fs';
import path from 'node:path';
import { checkRestyle } from '../answer/restyleCheck';

/** Where a workspace keeps its house-style material, shared through git like any file. */
export const STYLE_DIR = '.groundwork/style';

export interface FeedbackRecord {
  question: string;
  answer: string;
  verdict: string;
  helpful: boolean;
  model?: string;
  surface: 'panel' | 'chat';
  createdAt: string;
}

/** A kept answer: `draft` is the grounded answer with its `[n]` markers, `approved` the team's text. */
export interface StyleExample {
  question: string;
  draft: string;
  approved: string;
  model?: string;
  createdAt: string;
}

async function appendLine(file: string, record: object): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  // One line, one append: a concurrent writer (another window) cannot interleave inside it.
  await fs.appendFile(file, `${JSON.stringify(record)}\n`, 'utf8');
}

/** Records 👍/👎 on an answer; a 👍 on a grounded answer also keeps it as a house-style example, as it was given. */
export async function recordFeedback(root: string, record: FeedbackRecord): Promise<void> {
  await appendLine(path.join(root, STYLE_DIR, 'feedback.jsonl'), record);
  if (record.helpful && record.verdict === 'grounded') {
    const example: StyleExample = {
      question: record.question,
      draft: record.answer,
      approved: record.answer,
      model: record.model,
      createdAt: record.createdAt,
    };
    await appendLine(path.join(root, STYLE_DIR, 'examples.jsonl'), example);
  }
}

/**
 * Keeps the team's rewrite of an answer as a house-style example, if it passes the citation lock (no marker lost,
 * added or renumbered; no new numbers, code or links). Returns why it was refused, or undefined when kept.
 */
export async function keepEditedExample(root: string, example: StyleExample): Promise<string | undefined> {
  if (!example.approved.trim()) return 'the rewrite is empty';
  const lock = checkRestyle(example.draft, example.approved);
  if (!lock.ok) return lock.problems.join('; ');
  await appendLine(path.join(root, STYLE_DIR, 'examples.jsonl'), example);
  return undefined;
}
