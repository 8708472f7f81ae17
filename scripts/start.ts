/**
 * `npm start [-- FOLDER]`: builds Groundwork, installs it into a code-server provisioned under .e2e/, and opens
 * FOLDER (default: the sample docs in test/fixtures/docs) on the offline default. Prints the URL; Ctrl+C stops.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { installGroundwork, provision, startCodeServer } from './e2e/codeServer';

const ROOT = path.resolve(__dirname, '..');
const E2E = path.join(ROOT, '.e2e');

async function main() {
  const folder = path.resolve(process.argv[2] ?? path.join(ROOT, 'test/fixtures/docs'));
  if (!(await fs.stat(folder).catch(() => undefined))?.isDirectory()) throw new Error(`${folder} is not a folder`);
  const port = Number(process.env.PORT ?? 8080);
  console.log('Provisioning code-server (the first time takes a few minutes)…');
  provision();
  console.log('Building, packaging and installing Groundwork…');
  const dirs = { extensions: path.join(E2E, 'demo-extensions'), userData: path.join(E2E, 'demo-user-data') };
  installGroundwork(dirs);
  const server = startCodeServer(dirs, port, folder, 'ignore');
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
