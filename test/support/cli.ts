import { runCli } from '../../src/cli/main';

/** Runs the CLI in this process with `env`, capturing what it prints. */
export async function runCliCaptured(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}
