import path from 'node:path';
import * as vscode from 'vscode';
import type { IndexService } from '../indexService';
import { readSettings } from '../settings';
import { newerClasses, newerLm } from './newerApi';

export const MCP_PROVIDER_ID = 'groundwork.docs';

/**
 * One stdio MCP server per workspace folder (VS Code 1.101 and later), running the CLI shipped in the extension
 * with the editor's own Node. It reads the index the extension writes. With the `openai` embedder it keeps its own
 * offline index instead: a server definition must never carry the API key.
 */
export function registerMcpServerProvider(context: vscode.ExtensionContext, index: IndexService): vscode.Disposable[] {
  const lm = newerLm();
  const { McpStdioServerDefinition } = newerClasses();
  if (!lm.registerMcpServerDefinitionProvider || !McpStdioServerDefinition) return [];
  const changed = new vscode.EventEmitter<void>();
  const cli = path.join(context.extensionPath, 'dist', 'cli.js');
  const version = String(context.extension.packageJSON.version ?? '0');
  return [
    changed,
    vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => changed.fire()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('groundwork.index') || event.affectsConfiguration('groundwork.agents')) changed.fire();
    }),
    lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
      onDidChangeMcpServerDefinitions: changed.event,
      provideMcpServerDefinitions: () => {
        // An untrusted workspace's docs are not handed to agents.
        if (!vscode.workspace.isTrusted) return [];
        // Agent mode gets the docs as language model tools: the same tools again per folder would only crowd its
        // list and start a server before the first question. Offered when asked for, for other MCP hosts.
        if (!readSettings()['agents.offerMcpServer'] && newerLm().registerTool) return [];
        return (vscode.workspace.workspaceFolders ?? [])
          .filter((folder) => folder.uri.scheme === 'file')
          .map((folder) => {
            // Each folder's own settings: its exclude globs hold for the server too.
            const settings = readSettings(folder.uri);
            const sharesIndex = settings['index.embedder'] === 'offline';
            const args = [cli, 'mcp', folder.uri.fsPath];
            if (sharesIndex) args.push('--index', index.indexDirFor(folder.uri.fsPath));
            for (const glob of settings['index.include']) args.push('--include', glob);
            for (const glob of settings['index.exclude']) args.push('--exclude', glob);
            // The same size limit and redaction as the editor's own index and tools.
            args.push('--max-file-size-kb', String(settings['index.maxFileSizeKB']));
            if (!settings['privacy.redactSecrets']) args.push('--keep-secrets');
            // `process.execPath` is Electron in desktop VS Code: run it as plain Node.
            return new McpStdioServerDefinition(
              `Groundwork docs: ${folder.name}`,
              process.execPath,
              args,
              { ELECTRON_RUN_AS_NODE: '1' },
              version,
            );
          });
      },
    }),
  ];
}
