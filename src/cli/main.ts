import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ProviderError } from '../core/providers/chatProvider';
import { terminalSafe } from '../core/text/terminalText';
import { askCommand } from './commands/askCommand';
import type { Command, CommandContext } from './commands/context';
import { indexCommand, statusCommand } from './commands/indexCommand';
import { mcpCommand } from './commands/mcpCommand';
import { searchCommand } from './commands/searchCommand';
import type { CliIo } from './io';
import { optionsHelp, parseCli, settingsFromFlags, UsageError } from './options';

export { UsageError };

/** Every command, by the name typed; each is one file in `commands/`. */
const COMMANDS: Record<string, Command> = {
  index: indexCommand,
  status: statusCommand,
  search: searchCommand,
  eval: searchCommand,
  ask: askCommand,
  mcp: mcpCommand,
};

const USAGE = `usage: groundwork <command> DIR [options]

commands:
  index DIR [--verify]            index (or update the index of) the docs in DIR; --verify also checks every
                                  stored chunk against the lines of its file and re-indexes any that disagree
  status DIR                      files indexed, skipped files with reasons, embedder, chunks, size on disk
  search DIR "question"           ranked passages; --queries FILE.jsonl for a batch (one JSON line per query)
  eval DIR --queries FILE.jsonl   nDCG@10, R@1, R@5, R@10, MRR@10 and sec5 on labelled questions
  ask DIR "question"              a grounded answer with numbered sources (indexes DIR first when needed); the key
                                  comes from OPENAI_API_KEY; with no key and no --base-url, an offline extract
  style COMMAND                   house style: dataset, train, status, cancel, eval (groundwork style --help)
  mcp DIR [--http PORT]           an MCP server over DIR's index (tools search_docs, lookup_docs, read_doc,
                                  read_section, index_status) on stdio, or streamable HTTP on 127.0.0.1:PORT

options:
`;

/** The command line: parse, check every argument before any index work, then hand over to the command's file. */
export async function runCli(argv: string[], rawIo: CliIo): Promise<number> {
  // `--k -1` is a bad value, not a missing one: join a negative number to its option so it is checked as a value.
  argv = argv.flatMap((arg, i) =>
    /^-\d/.test(arg) && argv[i - 1]?.startsWith('--') && !argv[i - 1].includes('=') ? [] : [joinNegative(argv, i)],
  );
  // Document text, file names and endpoint messages reach a terminal: no escape sequence or control character
  // from them does (JSON output escapes them itself).
  const json = argv.includes('--json');
  const io: CliIo = {
    env: rawIo.env,
    stdout: json ? rawIo.stdout : (text) => rawIo.stdout(terminalSafe(text)),
    stderr: (text) => rawIo.stderr(terminalSafe(text)),
  };
  if (argv[0] === 'style') {
    const { runStyleCli } = await import('./styleCommands');
    return runStyleCli(argv.slice(1), io);
  }
  try {
    const { values, positionals } = parseCli(argv);
    const [name, dir, ...rest] = positionals;
    if (values.help || !name) {
      (values.help ? io.stdout : io.stderr)(`${USAGE}${optionsHelp()}\n`);
      return values.help ? 0 : 2;
    }
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command "${name}"`);
    if (!dir) throw new UsageError(`${name} needs a folder: groundwork ${name} DIR`);
    const root = path.resolve(dir);
    if (!(await fs.stat(root).catch(() => undefined))?.isDirectory()) throw new UsageError(`${dir} is not a readable folder`);
    const context: CommandContext = {
      command: name,
      root,
      question: rest.join(' ').trim(),
      values,
      settings: settingsFromFlags(values, io.env),
      io,
    };
    await command.check?.(context);
    return await command.run(context);
  } catch (error) {
    io.stderr(`groundwork: ${(error as Error).message}\n`);
    if (error instanceof UsageError) return 2;
    // Stopped by Ctrl+C: the shell's convention for an interrupted command.
    return error instanceof ProviderError && error.kind === 'cancelled' ? 130 : 1;
  }
}

function joinNegative(argv: string[], i: number): string {
  const next = argv[i + 1];
  return argv[i].startsWith('--') && !argv[i].includes('=') && next !== undefined && /^-\d/.test(next) ? `${argv[i]}=${next}` : argv[i];
}
