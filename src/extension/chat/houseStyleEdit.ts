import * as vscode from 'vscode';
import { keepEditedExample } from '../../core/style/feedbackLog';

/**
 * Opens an answer for the team to rewrite as it would say it; "Keep Example" checks the rewrite against the citation
 * lock and keeps it in `.groundwork/style/examples.jsonl`, or says why it was refused (the document stays open).
 */
export async function editIntoHouseStyle(question: string, draft: string, model: string | undefined): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder) return;
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: draft });
  await vscode.window.showTextDocument(document);
  for (;;) {
    const choice = await vscode.window.showInformationMessage(
      'Rewrite the answer as your team would say it (keep every [n], number, code and link), then keep it as a house-style example.',
      'Keep Example',
    );
    if (choice !== 'Keep Example' || document.isClosed) return;
    const refused = await keepEditedExample(folder.uri.fsPath, {
      question,
      draft,
      approved: document.getText().trim(),
      model,
      createdAt: new Date().toISOString(),
    });
    if (!refused) {
      void vscode.window.showInformationMessage('Groundwork: kept as a house-style example in .groundwork/style/examples.jsonl.');
      return;
    }
    void vscode.window.showWarningMessage(`Groundwork: not kept, the rewrite breaks the citation lock: ${refused}.`);
  }
}
