import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Makes every write of data under `dir` fail with `code` (ENOSPC: a full disk; EACCES: a folder this user may not
 * write), as the system does: the file is created, then the write fails. Creating folders fails too, renames and
 * removals still work. Returns the function that ends it. In-process only (the CLI run with `runCliCaptured`).
 */
export async function failWritesUnder(dir: string, code: 'ENOSPC' | 'EACCES'): Promise<() => void> {
  const probe = path.join(os.tmpdir(), `groundwork-probe-${process.pid}-${Date.now()}`);
  const handle = await fs.open(probe, 'w');
  const handleProto = Object.getPrototypeOf(handle) as Record<string, unknown>;
  await handle.close();
  await fs.rm(probe, { force: true });

  const under = (target: unknown) => typeof target === 'string' && path.resolve(target).startsWith(path.resolve(dir));
  const fail = (target: unknown) => Object.assign(new Error(`${code}: simulated, write '${String(target)}'`), { code });
  const writing = (flags: unknown) => typeof flags === 'string' && /[wa+]/.test(flags);
  const opened = new WeakSet<object>();
  const saved = {
    open: fs.open,
    writeFile: fs.writeFile,
    mkdir: fs.mkdir,
    link: fs.link,
    write: handleProto.write,
    writeFileOnHandle: handleProto.writeFile,
  };

  fs.open = (async (target: string, flags?: string, mode?: number) => {
    const result = await saved.open(target, flags, mode);
    if (under(target) && writing(flags ?? 'r')) opened.add(result);
    return result;
  }) as typeof fs.open;
  fs.writeFile = (async (target: string, data: unknown, options?: unknown) => {
    if (!under(target)) return saved.writeFile(target as string, data as string, options as undefined);
    await saved.writeFile(target, '', options as undefined);
    throw fail(target);
  }) as typeof fs.writeFile;
  fs.mkdir = (async (target: string, options?: unknown) => {
    if (under(target) && !(await fs.stat(target).catch(() => undefined))) throw fail(target);
    return saved.mkdir(target, options as undefined);
  }) as typeof fs.mkdir;
  fs.link = (async (from: string, to: string) => {
    if (under(to)) throw fail(to);
    return saved.link(from, to);
  }) as typeof fs.link;
  for (const name of ['write', 'writeFile'] as const) {
    const original = name === 'write' ? saved.write : saved.writeFileOnHandle;
    handleProto[name] = function (this: object, ...args: unknown[]) {
      if (opened.has(this)) return Promise.reject(fail('(open file)'));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  return () => {
    fs.open = saved.open;
    fs.writeFile = saved.writeFile;
    fs.mkdir = saved.mkdir;
    fs.link = saved.link;
    handleProto.write = saved.write;
    handleProto.writeFile = saved.writeFileOnHandle;
  };
}
