import { type ChildProcess, execFileSync, spawn, type StdioOptions } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** The code-server provisioned by scripts/e2e/provision.sh, shared by `npm start` and `npm run test:e2e`. */
const ROOT = path.resolve(__dirname, '../..');
const E2E = path.join(ROOT, '.e2e');
const NODE24 = path.join(E2E, 'node24/node_modules/node/bin/node');
const CODE_SERVER = path.join(E2E, 'code-server/node_modules/code-server/out/node/entry.js');

export interface CodeServerDirs {
  extensions: string;
  userData: string;
}

/** code-server runs on Node 24 (first on PATH, for the tools it starts). */
const env = () => ({ ...process.env, PATH: `${path.dirname(NODE24)}:${process.env.PATH}` });

export function provision(): void {
  execFileSync('bash', [path.join(ROOT, 'scripts/e2e/provision.sh')], { stdio: 'inherit' });
}

/** Builds the .vsix and installs it, as a user would, into the given extensions folder. */
export function installGroundwork(dirs: CodeServerDirs): void {
  execFileSync('npm', ['run', 'package'], { cwd: ROOT, stdio: 'ignore' });
  installVsix(dirs, path.join(ROOT, 'groundwork.vsix'));
}

/** Installs a .vsix already built (`npm run package`) into the given extensions folder. */
export function installVsix(dirs: CodeServerDirs, vsix: string): void {
  execFileSync(
    NODE24,
    [CODE_SERVER, '--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData, '--force', '--install-extension', vsix],
    { env: env(), stdio: 'ignore' },
  );
}

/**
 * Test only: the chat harness (a scripted model in the Chat view's picker and an @agent participant that runs
 * agent mode's tool loop), packaged and installed beside Groundwork so the e2e suite can drive the real Chat view.
 */
export function installChatHarness(dirs: CodeServerDirs): void {
  installHelperExtension(dirs, path.join(ROOT, 'test/e2e/chatHarness'), 'chat-harness.vsix');
}

/** Bench only: the host probe (scripts/e2e/hostProbe), which measures the extension host from inside it. */
export function installHostProbe(dirs: CodeServerDirs): void {
  installHelperExtension(dirs, path.join(ROOT, 'scripts/e2e/hostProbe'), 'host-probe.vsix');
}

function installHelperExtension(dirs: CodeServerDirs, folder: string, vsixName: string): void {
  const vsix = path.join(E2E, vsixName);
  execFileSync(
    path.join(ROOT, 'node_modules/.bin/vsce'),
    ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', vsix],
    { cwd: folder, stdio: 'ignore' },
  );
  installVsix(dirs, vsix);
}

export function startCodeServer(
  dirs: CodeServerDirs,
  port: number,
  folder: string,
  stdio: StdioOptions,
  extraEnv: Record<string, string> = {},
): ChildProcess {
  const args = ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check'];
  return spawn(NODE24, [CODE_SERVER, ...args, '--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData, folder], {
    env: { ...env(), ...extraEnv },
    stdio,
  });
}

/** Settings for a quiet test profile: no trust prompt, no welcome page, nothing that calls out. */
export const QUIET_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'chat.disableAIFeatures': true,
};

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`code-server did not start at ${url}`);
}

/** Debian's chromium, headless, with everything that would reach the network turned off. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      ...extraArgs,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
