import type { Remedies } from '../core/providers/chatProvider';

/** Where a CLI command writes, and the environment it reads (keys, the cache folder). */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** On the command line, a failure names the option or variable that fixes it. */
export const CLI_REMEDIES: Remedies = { baseUrl: '--base-url', apiKey: 'set OPENAI_API_KEY', model: '--model', timeout: '--timeout' };
