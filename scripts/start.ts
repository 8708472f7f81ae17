/**
 * `npm start [-- FOLDER]`: builds Groundwork, installs it into a code-server provisioned under .e2e/, and opens
 * FOLDER (default: the sample docs in test/fixtures/docs) on the offline default. Prints the URL; Ctrl+C stops.
 */
import { execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const E2E = path.join(ROOT, '.e2e');
const NODE24 = path.join(E2E, 'node24/node_modules/node/bin/node');
const CODE_SERVER = path.join(E2E, 'code-server/node_modules/code-server/out/node/entry.js');

async function main() {
  const folder = path.resolve(process.argv[2] ?? path.join(ROOT, 'test/fixtures/docs'));
  if (!(await fs.stat(folder).catch(() => undefined))?.isDirectory()) throw new Error(`${folder} is not a folder`);
  const port = Number(process.env.PORT ?? 8080);
  console.log('Provisioning code-server (the first time takes a few minutes)…');
  execFileSync('bash', [path.join(ROOT, 'scripts/e2e/provision.sh')], { stdio: 'inherit' });
  console.log('Building and packaging Groundwork…');
  execFileSync('npm', ['run', 'package'], { cwd: ROOT, stdio: 'ignore' });
  const extensions = path.join(E2E, 'demo-extensions');
  const userData = path.join(E2E, 'demo-user-data');
  const env = { ...process.env, PATH: `${path.dirname(NODE24)}:${process.env.PATH}` };
  execFileSync(
    NODE24,
    [
      CODE_SERVER,
      '--extensions-dir',
      extensions,
      '--user-data-dir',
      userData,
      '--force',
      '--install-extension',
      path.join(ROOT, 'groundwork.vsix'),
    ],
    {
      env,
      stdio: 'ignore',
    },
  );
  const server = spawn(
    NODE24,
    [
      CODE_SERVER,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--extensions-dir',
      extensions,
      '--user-data-dir',
      userData,
      folder,
    ],
    { env, stdio: 'ignore' },
  );
  console.log(
    `\nGroundwork is running in VS Code (code-server), offline, on ${folder}:\n\n  http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}\n\nOpen the Groundwork icon in the activity bar. Ctrl+C stops.`,
  );
  const stop = () => server.kill();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await new Promise((resolve) => server.on('exit', resolve));
}

main().catch((error) => {
  console.error(`groundwork start: ${(error as Error).message}`);
  process.exitCode = 1;
});
