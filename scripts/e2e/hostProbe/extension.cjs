// Bench only (installed by scripts/benchEditor.ts into a throwaway profile, never shipped). Runs in the same
// extension host as every other extension, so what it sees is what the editor's extensions see: how late the host's
// event loop runs (a stalled host delays hovers, completions and every extension's events), and, when asked, a CPU
// profile of the host's main thread from activation until the bench says the index is ready.
const fs = require('node:fs');
const path = require('node:path');
const inspector = require('node:inspector');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const vscode = require('vscode');

function activate(context) {
  const out = process.env.GROUNDWORK_HOST_PROBE;
  if (!out) return;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let session;
  if (process.env.GROUNDWORK_HOST_PROFILE === '1') {
    session = new inspector.Session();
    session.connect();
    session.post('Profiler.enable', () => session.post('Profiler.start'));
  }
  const finish = async () => {
    delay.disable();
    const ms = (ns) => Math.round(ns / 1e5) / 10;
    const loop = { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max), samples: delay.count };
    if (session) {
      const profile = await new Promise((resolve, reject) =>
        session.post('Profiler.stop', (error, result) => (error ? reject(error) : resolve(result.profile))),
      );
      fs.writeFileSync(path.join(out, 'host.cpuprofile'), JSON.stringify(profile));
      session.disconnect();
    }
    fs.writeFileSync(path.join(out, 'host-loop.json'), JSON.stringify(loop));
  };
  context.subscriptions.push(vscode.commands.registerCommand('groundworkBench.finish', finish));
}

module.exports = { activate };
