/**
 * `npm run test:extension-host`: the extension-host suite (test/extension/suite.ts) inside code-server's
 * extension host, the same mocha suite `npm run test:desktop` runs in desktop VS Code. code-server loads
 * Groundwork from this folder as an extension under development; the browser only opens the window (the
 * extension host starts with it) and hears the exit code through the workbench's automation hook.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { freePort, launchChromium, provision, QUIET_SETTINGS, startCodeServer, waitForHttp } from '../../scripts/e2e/codeServer';
import { createWorkspace } from '../e2e/workspace';
import { bundleSuite } from './bundleSuite';
import type { SuiteResult } from './results';

const ROOT = path.resolve(__dirname, '../..');
const HERE = path.join(ROOT, '.e2e', 'extension-host');
const SUITE_TIMEOUT_MS = 5 * 60_000;

async function main() {
  provision();
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  await fs.rm(HERE, { recursive: true, force: true });
  const { suite, results } = bundleSuite(HERE);
  const workspace = path.join(HERE, 'workspace');
  await createWorkspace(workspace);
  const dirs = { extensions: path.join(HERE, 'extensions'), userData: path.join(HERE, 'user-data') };
  await fs.mkdir(path.join(dirs.userData, 'User'), { recursive: true });
  await fs.mkdir(dirs.extensions, { recursive: true });
  await fs.writeFile(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify(QUIET_SETTINGS));

  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const serverLog: string[] = [];
  const hostLog: string[] = [];
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let exitCode: number | undefined;
  try {
    // code-server's command line has no development options; the workbench takes them from its URL below.
    server = startCodeServer(dirs, port, workspace, ['ignore', 'pipe', 'pipe']);
    server.stdout?.on('data', (d) => serverLog.push(String(d)));
    server.stderr?.on('data', (d) => serverLog.push(String(d)));
    await waitForHttp(`http://${host}/healthz`);

    // A page answered by the test (below) has no network address of its own, so Chromium would treat its
    // connections back to 127.0.0.1 as a public page reaching into the local network, and block them.
    browser = await launchChromium(['--disable-features=LocalNetworkAccessChecks']);
    const page = await browser.newPage();
    page.on('console', (message) => hostLog.push(message.text()));
    const exited = new Promise<number>((resolve) => void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)));
    // code-server's command line takes no development options and a built workbench ignores them in its URL,
    // but it honours `developmentOptions` in the configuration its page embeds: the extension under development
    // and its tests, both on the server's disk (the remote authority is the server itself).
    const remote = (file: string) => ({ scheme: 'vscode-remote', authority: host, path: file });
    await page.route(
      (url) => url.pathname === '/',
      async (route) => {
        const response = await route.fetch();
        const body = withDevelopmentOptions(await response.text(), { extensions: [remote(ROOT)], extensionTestsPath: remote(suite) });
        await route.fulfill({ response, body });
      },
    );
    await page.goto(`http://${host}/?folder=${encodeURIComponent(workspace)}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    exitCode = await Promise.race([
      exited,
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), SUITE_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
  } finally {
    await browser?.close();
    server?.kill();
  }

  const outcomes: SuiteResult[] = existsSync(results) ? JSON.parse(await fs.readFile(results, 'utf8')) : [];
  for (const outcome of outcomes)
    console.log(`${outcome.ok ? 'ok' : 'FAILED'}  ${outcome.title}${outcome.error ? `\n    ${outcome.error}` : ''}`);
  const passed = outcomes.filter((o) => o.ok).length;
  console.log(
    `\nextension-host suite in code-server: ${passed} of ${outcomes.length} tests passed (exit code ${exitCode ?? 'none: timed out'})`,
  );
  if (exitCode !== 0 || !outcomes.length || passed !== outcomes.length) {
    console.log(`\nextension host console (tail):\n${hostLog.slice(-40).join('\n')}`);
    console.log(`\ncode-server log (tail):\n${serverLog.join('').split('\n').slice(-20).join('\n')}`);
    process.exitCode = 1;
  }
}

/** The page with `options` merged into the workbench configuration of its `data-settings` attribute. */
function withDevelopmentOptions(html: string, options: object): string {
  const pattern = /(id="vscode-workbench-web-configuration"[^>]*data-settings=")([^"]*)"/;
  const match = pattern.exec(html);
  if (!match) throw new Error('code-server page has no workbench configuration to extend');
  const config = JSON.parse(unescapeHtml(match[2]));
  config.developmentOptions = { ...config.developmentOptions, ...options };
  return html.replace(pattern, (_, start: string) => `${start}${escapeHtml(JSON.stringify(config))}"`);
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
