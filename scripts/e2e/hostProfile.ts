/**
 * A CPU profile of the extension host, summarized for `npm run bench:editor`: where its main thread's time went, by
 * owner (the nearest extension, or VS Code, on the stack) and by function, and its longest stretches without a pause.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type ProfileSummary = ReturnType<typeof summarizeProfile>;

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Where the host's main thread spent its time: by owner (the nearest extension, or VS Code, on the stack, so a
 * write to a socket counts for whoever made it) and by function.
 */
export function summarizeProfile(file: string): {
  total: number;
  idle: number;
  byOwner: Array<[string, number]>;
  byFunction: Array<[string, number]>;
  stalls: Array<{ ms: number; owner: string }>;
} {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const ownerOf = (id: number): string => {
    const own = scriptOf(nodes.get(id)!.callFrame.url, nodes.get(id)!.callFrame.functionName);
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const script = scriptOf(nodes.get(at)!.callFrame.url, '');
      if (!['native', 'Node'].includes(script)) return script;
    }
    return own;
  };
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, time] of self) {
    const { functionName, url } = nodes.get(id)!.callFrame;
    total += time;
    if (functionName === '(idle)') idle += time;
    const owner = ownerOf(id);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + time);
    const name = `${functionName || '(anonymous)'} (${scriptOf(url, functionName)}, for ${owner})`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + time);
  }
  const top = (map: Map<string, number>, n: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
  return { total, idle, byOwner: top(byOwner, 9), byFunction: top(byFunction, 12), stalls: longestStalls(profile, nodes, ownerOf) };
}

/**
 * The host's longest stretches without a pause (consecutive samples, none idle): what a hover or any extension's
 * event waited behind. Each with the owner that took most of it.
 */
function longestStalls(profile: CpuProfile, nodes: Map<number, CpuProfile['nodes'][number]>, ownerOf: (id: number) => string) {
  const stalls: Array<{ ms: number; owner: string }> = [];
  let run = new Map<string, number>();
  let length = 0;
  const close = () => {
    if (length) stalls.push({ ms: length, owner: [...run].sort((a, b) => b[1] - a[1])[0][0] });
    run = new Map();
    length = 0;
  };
  profile.samples.forEach((id, i) => {
    const time = (profile.timeDeltas[i] ?? 0) / 1000;
    if (nodes.get(id)!.callFrame.functionName === '(idle)') return close();
    const owner = ownerOf(id);
    run.set(owner, (run.get(owner) ?? 0) + time);
    length += time;
  });
  close();
  return stalls.sort((a, b) => b.ms - a.ms).slice(0, 5);
}

/** The extension a script belongs to (by its folder), else VS Code or Node. */
function scriptOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : 'native';
  if (url.includes('groundwork-dev.groundwork')) return 'Groundwork';
  const extension = /\/extensions\/([^/]+)\//.exec(url)?.[1];
  if (extension) return extension.replace(/-\d+(\.\d+)*$/, '');
  if (url.startsWith('node:')) return 'Node';
  if (url.includes('/vs/')) return 'VS Code';
  return path.basename(url);
}
