import os from 'node:os';
import path from 'node:path';
import { indexSetup } from '../../core/setup/indexSetup';
import { UsageError, positiveInt } from '../options';
import { type Command, indexDirOf } from './context';

/** `groundwork mcp DIR [--http PORT]`: an MCP server over the folder's index, on stdio or streamable HTTP. */
export const mcpCommand: Command = {
  check({ root, values }) {
    // An MCP client starts the server in whatever folder it likes (the home folder, often): a copied config with
    // "." must not index a whole home folder and hand it to an agent.
    if (root === os.homedir() || root === path.parse(root).root)
      throw new UsageError(
        `refusing to serve ${root} (your home folder or the file system's root): name the docs folder, for example ${path.join(root, 'project', 'docs')}`,
      );
    if (values.http !== undefined) port(values.http as string);
  },
  async run(context) {
    const { root, values, settings, io } = context;
    const { runMcpServer } = await import('../../mcp/runMcpServer');
    const log = (message: string) => io.stderr(`${message}\n`);
    return runMcpServer({
      // The same index set-up as every surface: reading and chunking off the main thread included.
      ...indexSetup(
        settings,
        { root, indexDir: indexDirOf(context) },
        { apiKey: io.env.OPENAI_API_KEY || undefined, dimensions: positiveInt(values.dimensions as string | undefined, 'dimensions'), log },
      ),
      redactSecrets: settings['privacy.redactSecrets'],
      http:
        values.http === undefined
          ? undefined
          : {
              port: port(values.http as string),
              host: (values.host as string | undefined) ?? '127.0.0.1',
              token: io.env.GROUNDWORK_MCP_TOKEN || undefined,
              allowedOrigins: values['allow-origin'] as string[] | undefined,
            },
      log,
    });
  },
};

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--http must be a port number, got "${value}"`);
  return n;
}
