import * as vscode from 'vscode';
import { IndexService } from './indexService';

/**
 * Activation stays thin: register contributions, create the status bar, and defer everything heavy (the index
 * worker, Vectra, the model client) to first use. The first index build starts after activate() returns.
 */
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const output = vscode.window.createOutputChannel('Groundwork', { log: true });
  context.subscriptions.push(output);
  try {
    const index = new IndexService(context, output);
    context.subscriptions.push(
      index,
      vscode.commands.registerCommand('groundwork.rebuildIndex', () => index.rebuildWithProgress()),
      vscode.commands.registerCommand('groundwork.showIndexStatus', async () => {
        const document = await vscode.workspace.openTextDocument({
          language: 'markdown',
          content: `# Groundwork index\n\n${await index.describeStatus()}`,
        });
        await vscode.window.showTextDocument(document, { preview: true });
      }),
    );
    setTimeout(() => index.start(), 0);
  } catch (error) {
    // Surface activation failures ourselves; otherwise the user sees only commands that do nothing.
    const message = `Groundwork failed to start: ${(error as Error).message}`;
    output.error(message);
    void vscode.window.showErrorMessage(message);
  }
  output.info(`Activated in ${(performance.now() - started).toFixed(1)} ms`);
}

export function deactivate(): void {}
