/** Extension-host tests: run inside a real VS Code by test/extension/runDesktop.ts (@vscode/test-electron). */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension('groundwork-dev.groundwork');
  assert.ok(extension, 'Groundwork is installed');
  await extension.activate();
  const commands = await vscode.commands.getCommands(true);
  for (const id of ['ask', 'explainSelection', 'rebuildIndex', 'showIndexStatus', 'setApiKey', 'clearApiKey', 'selectModel', 'newChat']) {
    assert.ok(commands.includes(`groundwork.${id}`), `groundwork.${id} is registered`);
  }
  await vscode.commands.executeCommand('groundwork.showIndexStatus');
  const text = vscode.window.activeTextEditor?.document.getText() ?? '';
  assert.match(text, /# Groundwork index/);
  assert.match(text, /files indexed: \d+/);
  console.log('extension-host suite: 3 checks passed');
}
