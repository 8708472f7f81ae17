/**
 * `npm run bench:editor`: Groundwork inside the real editor. code-server (the project's own, scripts/e2e) opens a
 * copy of ../shared/eval/cpp-docs in Debian's chromium, three times in one run: with Groundwork installed from the
 * .vsix, then without it for as long as the first took to get ready, then with it again under a CPU profile of the
 * extension host. Measured: the time from opening the window to the index being ready (against a CLI build of the
 * same tree in the same run), the latency of keys typed into an open doc meanwhile (keydown to the frame that shows
 * the character), the resident memory of everything code-server runs (the server, the extension host and the
 * processes it starts), and the extension host's event loop delay, read by a bench-only probe extension
 * (scripts/e2e/hostProbe) that also takes the profile. Writes its section of BENCHMARKS.md (between the editor
 * markers) and the profile's summary.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type CodeServerDirs,
  freePort,
  installHostProbe,
  installVsix,
  launchChromium,
  provision,
  QUIET_SETTINGS,
  startCodeServer,
  waitForHttp,
} from './e2e/codeServer';
import { openByQuickOpen, runCommand } from './e2e/workbench';
import { ms, percentile, row } from './benchFormat';
import { ROOT, runChild, writeOwnSection } from './benchSupport';
import { type ProfileSummary, summarizeProfile } from './e2e/hostProfile';
import { EVAL } from './evalSets';

const WORK = path.join(os.tmpdir(), 'groundwork-bench-editor');
/** The doc typed into: a mid-sized page, one Quick Open finds by name. */
const TYPED_FILE = 'asan-known-issues.md';
const KEY_INTERVAL_MS = 250;
const READY_TIMEOUT_MS = 10 * 60_000;

interface Run {
  readyMs?: number;
  keys: number[];
  peakMb: number;
  settledMb: number;
  loop?: { p50: number; p99: number; max: number };
  /** From Groundwork's activation to its first build's summary, by its own log's clock. */
  buildInEditorMs?: number;
  /** CPU seconds by process role, code-server's processes and chromium's, over the window. */
  cpu: Array<[string, number]>;
}

/** The fields of `/proc/PID/stat` after the command name (which may hold spaces): state, parent, …, utime, stime. */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Every process under `pid` (code-server's server, its extension host, the index worker, file watchers). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const parent = Number(statFields(name)[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...(children.get(all[i]) ?? []));
  return all;
}

/** What a process of code-server's is, from its command line. */
function roleOf(pid: number): string {
  let args = '';
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return 'gone';
  }
  if (args.includes('groundwork') && args.includes('worker.js')) return 'Groundwork index worker';
  if (args.includes('--type=extensionHost')) return 'extension host';
  if (args.includes('markdown-language-features')) return 'markdown language server';
  if (args.includes('json-language-features')) return 'JSON language server';
  if (args.includes('fileWatcher') || args.includes('watcherService')) return 'file watcher';
  if (args.includes('ptyHost')) return 'terminal host';
  if (args.includes('code-server')) return 'code-server';
  if (args.includes('chromium')) return args.includes('--type=renderer') ? 'chromium renderer' : 'chromium, other';
  return args.trim() ? path.basename(args.split(' ')[0]) : 'unknown';
}

/** Each process's CPU seconds so far (user + system), by pid, with its role. */
function cpuSeconds(pids: number[], into: Map<number, { role: string; seconds: number }>): void {
  const tick = 100;
  for (const pid of pids) {
    try {
      const fields = statFields(pid);
      const seconds = (Number(fields[11]) + Number(fields[12])) / tick;
      // A process just started may not show its command line yet: its role is read again until it does.
      const known = into.get(pid)?.role;
      into.set(pid, { role: known && known !== 'unknown' ? known : roleOf(pid), seconds });
    } catch {
      // Gone: its last reading stays.
    }
  }
}

function cpuByRole(readings: Map<number, { role: string; seconds: number }>): Array<[string, number]> {
  const byRole = new Map<string, number>();
  for (const { role, seconds } of readings.values()) byRole.set(role, (byRole.get(role) ?? 0) + seconds);
  return [...byRole].sort((a, b) => b[1] - a[1]);
}

function treeRssMb(pid: number): number {
  let kb = 0;
  for (const each of descendants(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${each}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return kb / 1024;
}

async function freshProfile(name: string, withGroundwork: boolean, vsix: string): Promise<CodeServerDirs> {
  const dirs = { extensions: path.join(WORK, name, 'extensions'), userData: path.join(WORK, name, 'user-data') };
  await fs.mkdir(path.join(dirs.userData, 'User'), { recursive: true });
  await fs.mkdir(dirs.extensions, { recursive: true });
  await fs.writeFile(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, 'files.autoSave': 'off' }));
  installHostProbe(dirs);
  if (withGroundwork) installVsix(dirs, vsix);
  return dirs;
}

/**
 * Counts each key from the keydown event's own time to the frame after the editor's lines change. In the page
 * (a string: these scripts are typed without the DOM's names).
 */
const WATCH_KEYS = `(() => {
  window.benchKeys = [];
  let pending;
  document.addEventListener('keydown', (event) => { if (event.key === 'x') pending = event.timeStamp; }, true);
  new MutationObserver(() => {
    if (pending === undefined) return;
    const pressed = pending;
    pending = undefined;
    requestAnimationFrame(() => window.benchKeys.push(performance.now() - pressed));
  }).observe(document.querySelector('.monaco-editor .view-lines'), { childList: true, subtree: true, characterData: true });
})()`;

/**
 * One window on the tree. With Groundwork, types until its status says the index is ready after indexing; without,
 * types for `typeForMs`.
 */
async function measureWindow(tree: string, dirs: CodeServerDirs, options: { groundwork: boolean; typeForMs?: number; profile?: boolean }) {
  const out = path.join(dirs.userData, 'probe');
  await fs.mkdir(out, { recursive: true });
  const port = await freePort();
  const server: ChildProcess = startCodeServer(dirs, port, tree, 'ignore', {
    GROUNDWORK_HOST_PROBE: out,
    ...(options.profile ? { GROUNDWORK_HOST_PROFILE: '1' } : {}),
  });
  const browser = await launchChromium();
  const run: Run = { keys: [], peakMb: 0, settledMb: 0, cpu: [] };
  const cpu = new Map<number, { role: string; seconds: number }>();
  const sampler = setInterval(() => {
    run.peakMb = Math.max(run.peakMb, treeRssMb(server.pid!));
    // code-server's processes and chromium's: everything this bench started, but itself.
    cpuSeconds(descendants(process.pid).slice(1), cpu);
  }, 250);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const opened = performance.now();
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(tree)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    await openByQuickOpen(page, TYPED_FILE);
    await page.keyboard.press('Control+End');
    await page.evaluate(WATCH_KEYS);
    const status = page.locator('.statusbar-item', { hasText: 'Groundwork' }).first();
    let sawIndexing = false;
    for (let typed = 0; ; typed++) {
      await page.keyboard.press(typed % 40 === 39 ? 'Enter' : 'x');
      await page.waitForTimeout(KEY_INTERVAL_MS);
      const elapsed = performance.now() - opened;
      if (!options.groundwork) {
        if (elapsed >= options.typeForMs!) break;
        continue;
      }
      if (elapsed > READY_TIMEOUT_MS) throw new Error('Groundwork was not ready in 10 minutes');
      const label = (await status.innerText({ timeout: 1_000 }).catch(() => '')).trim();
      if (/indexing/.test(label)) sawIndexing = true;
      else if (sawIndexing && label === 'Groundwork') {
        run.readyMs = elapsed;
        break;
      }
    }
    run.keys = (await page.evaluate('window.benchKeys')) as number[];
    run.cpu = cpuByRole(cpu);
    if (options.groundwork) run.buildInEditorMs = await buildTimeFromLog(dirs.userData);
    // Settled: what the editor keeps once the build is over.
    await page.waitForTimeout(5_000);
    run.settledMb = treeRssMb(server.pid!);
    await runCommand(page, 'Groundwork Bench: Finish Host Probe');
    const loopFile = path.join(out, 'host-loop.json');
    for (let i = 0; i < 100 && !(await fs.stat(loopFile).catch(() => undefined)); i++) await page.waitForTimeout(200);
    run.loop = JSON.parse(await fs.readFile(loopFile, 'utf8'));
    return { run, profile: options.profile ? path.join(out, 'host.cpuprofile') : undefined };
  } finally {
    clearInterval(sampler);
    await browser.close().catch(() => {});
    server.kill('SIGTERM');
    await new Promise((resolve) => (server.exitCode === null ? server.once('exit', resolve) : resolve(undefined)));
  }
}

/** Groundwork's log: the time from "Activated" to the first "N added" summary. */
async function buildTimeFromLog(userData: string): Promise<number | undefined> {
  const logs = path.join(userData, 'logs');
  for (const session of await fs.readdir(logs)) {
    for (const host of await fs.readdir(path.join(logs, session)).catch(() => [])) {
      const file = path.join(logs, session, host, 'groundwork-dev.groundwork', 'Groundwork.log');
      const text = await fs.readFile(file, 'utf8').catch(() => '');
      const at = (pattern: RegExp) => {
        const line = text.split('\n').find((each) => pattern.test(each));
        return line ? Date.parse(line.slice(0, 23).replace(' ', 'T')) : undefined;
      };
      const [activated, built] = [at(/Activated in/), at(/\d+ added, /)];
      if (activated !== undefined && built !== undefined) return built - activated;
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  // `--summarize FILE`: the summary of a profile this bench kept (`--keep`), without measuring again.
  const kept = process.argv.indexOf('--summarize');
  if (kept > 0) return console.log(JSON.stringify(summarizeProfile(process.argv[kept + 1]), null, 1));
  provision();
  execFileSync('npm', ['run', 'package'], { cwd: ROOT, stdio: 'ignore' });
  const vsix = path.join(ROOT, 'groundwork.vsix');
  await fs.rm(WORK, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  const tree = path.join(WORK, 'cpp-docs');
  await fs.cp(path.join(EVAL, 'cpp-docs', 'corpus'), tree, { recursive: true });
  const build = runChild([path.join(ROOT, 'dist', 'cli.js'), 'index', tree, '--index', path.join(WORK, 'cli-index'), '--json']);
  const cli = { wallMs: build.wallMs, files: (JSON.parse(build.stdout) as { added: number }).added };
  console.log(`CLI build of ${cli.files} files ${ms(cli.wallMs)}`);

  const withIt = await measureWindow(tree, await freshProfile('with', true, vsix), { groundwork: true });
  console.log('with Groundwork', JSON.stringify({ ...withIt.run, keys: withIt.run.keys.length }));
  // While working on the editor's figures: `--with-only` measures one window with Groundwork and writes nothing
  // (`--with-only --profile`: that window profiled, and the profile's summary).
  if (process.argv.includes('--with-only')) {
    if (!process.argv.includes('--profile')) return;
    const alone = await measureWindow(tree, await freshProfile('profiled', true, vsix), { groundwork: true, profile: true });
    return console.log(JSON.stringify(summarizeProfile(alone.profile!), null, 1));
  }
  const without = await measureWindow(tree, await freshProfile('without', false, vsix), {
    groundwork: false,
    typeForMs: withIt.run.readyMs!,
  });
  console.log('without', JSON.stringify({ ...without.run, keys: without.run.keys.length }));
  const profiled = await measureWindow(tree, await freshProfile('profiled', true, vsix), { groundwork: true, profile: true });
  const summary = summarizeProfile(profiled.profile!);
  console.log('profiled', JSON.stringify({ ...profiled.run, keys: profiled.run.keys.length }), JSON.stringify(summary));

  const block = section(cli, withIt.run, without.run, profiled.run, summary);
  await writeOwnSection('editor', block);
  console.log(block);
  // code-server's children may still be writing their state as it exits: removal retries a while (ENOTEMPTY).
  if (!process.argv.includes('--keep')) await fs.rm(WORK, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
}

function secondsOf(run: Run, role: string): string {
  const seconds = run.cpu.find(([each]) => each === role)?.[1];
  return seconds === undefined ? '–' : `${seconds.toFixed(1)} s`;
}

function section(
  { wallMs: cliMs, files }: { wallMs: number; files: number },
  withIt: Run,
  without: Run,
  profiled: Run,
  summary: ProfileSummary,
): string {
  const keyP95 = (run: Run) => percentile(run.keys, 0.95);
  const keyMax = (run: Run) => Math.max(...run.keys);
  const mb = (value: number) => `${Math.round(value)} MB`;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const busy = summary.total - summary.idle;
  const share = (time: number) => `${((time / busy) * 100).toFixed(0)}%`;
  return [
    '## Inside the real editor (code-server)',
    '',
    `Command: \`npm run bench:editor\` (scripts/benchEditor.ts), ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, code-server 4.139 with Debian's chromium headless. A copy of cpp-docs (${files.toLocaleString('en-US')} files) opened as the workspace, three windows one after another: with Groundwork installed from the .vsix until its status says ready; without it, for as long; with it again, the extension host profiled. Keys: an \`x\` every ${KEY_INTERVAL_MS} ms into an open doc, from the keydown event to the next frame after the editor's lines change. Memory: resident, every process code-server runs (server, extension host, index worker, watchers), sampled every 250 ms. Event loop: the extension host's, from inside it (scripts/e2e/hostProbe).`,
    '',
    '| measure | with Groundwork | without | ratio | target |',
    '| --- | --- | --- | --- | --- |',
    row(['ready (window opened to index ready) / CLI build', ms(withIt.readyMs!), ms(cliMs), ratio(withIt.readyMs!, cliMs), '≤ 1.5×']),
    row([
      "Groundwork's build in the editor (its activation to ready) / CLI build",
      ms(withIt.buildInEditorMs ?? NaN),
      ms(cliMs),
      ratio(withIt.buildInEditorMs ?? NaN, cliMs),
      '',
    ]),
    row([
      'typed key p50',
      ms(percentile(withIt.keys, 0.5)),
      ms(percentile(without.keys, 0.5)),
      ratio(percentile(withIt.keys, 0.5), percentile(without.keys, 0.5)),
      '',
    ]),
    row(['typed key p95', ms(keyP95(withIt)), ms(keyP95(without)), ratio(keyP95(withIt), keyP95(without)), '≤ 1.3×']),
    row(['slowest key', ms(keyMax(withIt)), ms(keyMax(without)), '', '≤ 250 ms']),
    row(['keys typed', String(withIt.keys.length), String(without.keys.length), '', '']),
    row(['memory at its peak', mb(withIt.peakMb), mb(without.peakMb), `+${mb(withIt.peakMb - without.peakMb)}`, '≤ +500 MB']),
    row(['memory once ready and settled', mb(withIt.settledMb), mb(without.settledMb), `+${mb(withIt.settledMb - without.settledMb)}`, '']),
    row([
      'extension host event loop delay p99 / max',
      `${ms(withIt.loop!.p99)} / ${ms(withIt.loop!.max)}`,
      `${ms(without.loop!.p99)} / ${ms(without.loop!.max)}`,
      '',
      '',
    ]),
    '',
    'CPU time of each process over the window (seconds, user + system; the window without Groundwork lasted as long as the one with it):',
    '',
    '| process | with Groundwork | without |',
    '| --- | --- | --- |',
    // Processes under half a second in both windows (code-server's own `ps` and the like) are left out.
    ...[...new Set([...withIt.cpu, ...without.cpu].filter(([, seconds]) => seconds >= 0.5).map(([role]) => role))].map((role) =>
      row([role, secondsOf(withIt, role), secondsOf(without, role)]),
    ),
    '',
    `The profiled window was ready in ${ms(profiled.readyMs!)}. The extension host's main thread was busy ${ms(busy)} of ${ms(summary.total)}; by whom (the nearest extension or VS Code on the stack): ${summary.byOwner
      .filter(([name]) => name !== '(idle)' && !name.includes('host-probe'))
      .map(([name, time]) => `${name} ${share(time)}`)
      .join(', ')}. Its longest stretches without a pause: ${summary.stalls
      .map((stall) => `${ms(stall.ms)} (mostly ${stall.owner})`)
      .join(', ')}. Its busiest functions:`,
    '',
    '| function (script) | time |',
    '| --- | --- |',
    ...summary.byFunction.filter(([name]) => !name.startsWith('(idle)')).map(([name, time]) => row([`\`${name}\``, ms(time)])),
  ].join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
