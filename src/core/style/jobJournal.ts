import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * `jobs.jsonl`: what `style train` did, written before and after each step that bills, so a run killed while a job
 * is being created leaves the intent behind, and `style status` can find the job it started on the server.
 */
export type JournalLine =
  | { state: 'intent'; token: string; trainingFileId: string; validationFileId?: string; baseModel: string; createdAt: string }
  | { state: 'created'; token?: string; jobId: string; baseModel?: string; createdAt?: string; recovered?: boolean }
  /** Written before this journal had states: a job that was created. */
  | { state?: undefined; jobId: string; baseModel?: string; createdAt?: string };

export const JOURNAL_FILE = 'jobs.jsonl';

/** A token the job carries in its metadata, so it can be found on the server however the run ended. */
export function newIntentToken(): string {
  return `gw-${randomBytes(6).toString('hex')}`;
}

export async function readJournal(styleDir: string): Promise<JournalLine[]> {
  const text = await fs.readFile(path.join(styleDir, JOURNAL_FILE), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim())
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as JournalLine];
      } catch {
        return [];
      }
    });
}

export async function appendJournal(styleDir: string, line: JournalLine): Promise<void> {
  await fs.mkdir(styleDir, { recursive: true });
  await fs.appendFile(path.join(styleDir, JOURNAL_FILE), `${JSON.stringify(line)}\n`);
}

/** Intents no job was recorded for: a run that ended (killed, disconnected) between uploading and recording. */
export function openIntents(journal: JournalLine[]): Array<Extract<JournalLine, { state: 'intent' }>> {
  const created = new Set(journal.flatMap((line) => (line.state === 'created' && line.token ? [line.token] : [])));
  return journal.flatMap((line) => (line.state === 'intent' && !created.has(line.token) ? [line] : []));
}

/** The job started last from this folder, as the journal knows it. */
export function lastJobId(journal: JournalLine[]): string | undefined {
  for (let i = journal.length - 1; i >= 0; i--) {
    const line = journal[i];
    if (line.state !== 'intent' && line.jobId) return line.jobId;
  }
  return undefined;
}
