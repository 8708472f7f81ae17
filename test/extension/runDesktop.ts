/**
 * `npm run test:desktop`: the extension-host suite in desktop VS Code through @vscode/test-electron. It needs to
 * download VS Code; where that is impossible (no internet, as on the development machines), it says so and
 * skips, and the code-server suite (`npm run test:e2e`) covers the same ground in a real VS Code.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { buildSync } from 'esbuild';

const ROOT = path.resolve(__dirname, '../..');

async function main() {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const suite = path.join(ROOT, '.e2e', 'desktop-suite.js');
  buildSync({
    entryPoints: [path.join(ROOT, 'test/extension/suite.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
    outfile: suite,
    logLevel: 'error',
  });
  let vscodeExecutablePath: string;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version: 'stable', timeout: 20_000 });
  } catch (error) {
    console.log(
      `desktop VS Code tests skipped: VS Code cannot be downloaded here (${(error as Error).message.split('\n')[0]}). The code-server suite (npm run test:e2e) runs the same checks in a real VS Code.`,
    );
    return;
  }
  const workspace = path.join(ROOT, 'test/fixtures/docs');
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: suite,
    launchArgs: [workspace, '--disable-extensions'],
  });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
