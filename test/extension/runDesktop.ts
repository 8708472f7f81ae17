/**
 * `npm run test:desktop`: the extension-host suite in desktop VS Code through @vscode/test-electron. It needs to
 * download VS Code; where that is impossible (no internet, as on the development machines), it says so and
 * skips: the same suite runs in code-server's extension host (`npm run test:extension-host`).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { createWorkspace } from '../e2e/workspace';
import { bundleSuite } from './bundleSuite';

const ROOT = path.resolve(__dirname, '../..');

async function main() {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const here = path.join(ROOT, '.e2e', 'desktop');
  const { suite } = bundleSuite(here);
  let vscodeExecutablePath: string;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version: 'stable', timeout: 20_000 });
  } catch (error) {
    console.log(
      `desktop VS Code tests skipped: VS Code cannot be downloaded here (${(error as Error).message.split('\n')[0]}). The same suite runs in code-server's extension host (npm run test:extension-host), and npm run test:e2e drives a real VS Code through the browser.`,
    );
    return;
  }
  const workspace = path.join(here, 'workspace');
  await createWorkspace(workspace);
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
