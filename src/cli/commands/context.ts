import path from 'node:path';
import { DocsIndex, type UpdateSummary } from '../../core/indexing/docsIndex';
import { defaultIndexDir } from '../../core/indexLocation';
import { INDEX_READY, type IndexState } from '../../core/retrieval/judgement';
import { SETTINGS, type Settings } from '../../core/settings';
import type { AnswerEnv } from '../../core/setup/answerSetup';
import { indexSetup } from '../../core/setup/indexSetup';
import { IndexBusyError, IndexReadOnlyError } from '../../core/store/indexLock';
import { CLI_REMEDIES, type CliIo } from '../io';
import { positiveInt, type Values } from '../options';

/** What every command gets: its folder, the question words, the flags, the settings they make, and where to write. */
export interface CommandContext {
  command: string;
  root: string;
  /** The words after the folder (a question), joined. */
  question: string;
  values: Values;
  settings: Settings;
  io: CliIo;
}

export interface Command {
  /** Checks the arguments before any index work: a typo costs no build. */
  check?(context: CommandContext): void | Promise<void>;
  run(context: CommandContext): Promise<number>;
}

/** How long `index` waits for another process that is writing the same index before giving up. */
const INDEX_LOCK_WAIT_MS = 60_000;

export function indexDirOf({ root, values, io }: CommandContext): string {
  return values.index ? path.resolve(values.index as string) : defaultIndexDir(root, io.env);
}

/** The folder's index as the settings describe it (`core/setup`), opened for what the command does. */
export function openIndex(context: CommandContext, mode: 'index' | 'status' | 'read'): Promise<DocsIndex> {
  const { root, values, settings, io } = context;
  return DocsIndex.open({
    ...indexSetup(
      settings,
      { root, indexDir: indexDirOf(context) },
      {
        apiKey: io.env.OPENAI_API_KEY || undefined,
        dimensions: positiveInt(values.dimensions as string | undefined, 'dimensions'),
        log: (message) => io.stderr(`${message}\n`),
      },
    ),
    updateAfterOpen: mode !== 'status',
    // status changes nothing on disk and checks every shard; index --verify also checks every chunk's lines.
    readOnly: mode === 'status',
    verify: mode === 'status' ? 'shards' : values.verify ? 'files' : undefined,
    lockWaitMs: mode === 'index' ? Number(io.env.GROUNDWORK_LOCK_WAIT_MS ?? INDEX_LOCK_WAIT_MS) : 0,
  });
}

/**
 * Brings the index up to date. Another writer (or a read-only index) means the files may have changed since it was
 * written: a question is then answered from the index as it is (`stale`); `index` itself fails.
 */
export async function updateIndex(index: DocsIndex, context: CommandContext): Promise<{ summary?: UpdateSummary; indexState: IndexState }> {
  try {
    return { summary: await index.update({ progress: progressPrinter(context.io) }), indexState: INDEX_READY };
  } catch (error) {
    if (!(error instanceof IndexBusyError || error instanceof IndexReadOnlyError) || context.command === 'index') throw error;
    return { indexState: { state: 'stale' } };
  }
}

/** The answer set-up's view of the command line: the key from the environment, fixes named as flags. */
export function cliAnswerEnv(io: CliIo): AnswerEnv {
  return {
    apiKey: io.env.OPENAI_API_KEY || undefined,
    trusted: true,
    remedies: CLI_REMEDIES,
    settingName: (key) => {
      const flag = (SETTINGS[key] as { flag?: string }).flag;
      return flag ? `--${flag}` : `the setting groundwork.${key}`;
    },
    rerankRemedies: { url: '--rerank-url', model: '--model and --base-url' },
    strict: true,
  };
}

/**
 * At most one line a second, each with a new count. An update with nothing to read (every file as the manifest
 * has it) prints nothing: a question asked of a current index should show only its answer.
 */
function progressPrinter(io: CliIo) {
  let lastTime = 0;
  let lastDone = -1;
  let reading = false;
  return ({ done, total }: { done: number; total: number }) => {
    if (!reading && done === total) return;
    reading = true;
    const now = Date.now();
    if (done === lastDone || (now - lastTime < 1000 && done !== total)) return;
    lastTime = now;
    lastDone = done;
    io.stderr(`indexing ${done}/${total} files\n`);
  };
}
