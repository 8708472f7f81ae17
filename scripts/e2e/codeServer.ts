import { type ChildProcess, execFileSync, spawn, type StdioOptions } from 'node:child_process';
import path from 'node:path';

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
  execFileSync(
    NODE24,
    [
      CODE_SERVER,
      '--extensions-dir',
      dirs.extensions,
      '--user-data-dir',
      dirs.userData,
      '--force',
      '--install-extension',
      path.join(ROOT, 'groundwork.vsix'),
    ],
    {
      env: env(),
      stdio: 'ignore',
    },
  );
}

export function startCodeServer(dirs: CodeServerDirs, port: number, folder: string, stdio: StdioOptions): ChildProcess {
  const args = ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check'];
  return spawn(NODE24, [CODE_SERVER, ...args, '--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData, folder], {
    env: env(),
    stdio,
  });
}
