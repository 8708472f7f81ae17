import * as vscode from 'vscode';
import { notebookCellAt } from '../../core/chunking/notebookLines';
import type { Evidence, Source } from '../../core/answer/types';
import { sourceUri } from '../answerService';

/** The passage around cited lines, shown lighter than the selection: the context the evidence came from. */
const passageDecoration = vscode.window.createTextEditorDecorationType({
  isWholeLine: true,
  backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
});

/**
 * Opens the file of a source with its lines selected and revealed: the lines that support the cited sentence when
 * they are known (`evidence`), with the whole passage marked around them; otherwise the passage.
 */
export async function openSource(
  source: Pick<Source, 'root' | 'path' | 'startLine' | 'endLine'>,
  evidence?: Pick<Evidence, 'startLine' | 'endLine'>,
): Promise<void> {
  const uri = sourceUri(source);
  if (!uri) return;
  try {
    if (uri.path.endsWith('.ipynb') && (await openInNotebook(uri, evidence ?? source))) return;
    const document = await vscode.workspace.openTextDocument(uri);
    const lines = (from: number, to: number) => {
      const last = Math.max(0, Math.min(to, document.lineCount) - 1);
      return new vscode.Range(Math.min(from - 1, last), 0, last, document.lineAt(last).text.length);
    };
    const passage = lines(source.startLine, source.endLine);
    const range = evidence ? lines(evidence.startLine, evidence.endLine) : passage;
    const editor = await vscode.window.showTextDocument(document, { selection: range, preview: true });
    editor.setDecorations(passageDecoration, evidence ? [passage] : []);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  } catch (error) {
    void vscode.window.showWarningMessage(`Groundwork: cannot open ${source.path}: ${(error as Error).message}`);
  }
}

/**
 * A citation into a notebook opens the notebook editor at its cell, with the cited lines of that cell selected,
 * not the raw JSON. False when the lines are not in a cell (the JSON is then opened, as for any file).
 */
async function openInNotebook(uri: vscode.Uri, lines: { startLine: number; endLine: number }): Promise<boolean> {
  const raw = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const at = notebookCellAt(raw, lines.startLine, lines.endLine);
  if (!at) return false;
  const notebook = await vscode.workspace.openNotebookDocument(uri);
  if (at.cell >= notebook.cellCount) return false;
  const cells = new vscode.NotebookRange(at.cell, at.cell + 1);
  const editor = await vscode.window.showNotebookDocument(notebook, { selections: [cells], preview: true });
  editor.revealRange(cells, vscode.NotebookEditorRevealType.InCenterIfOutsideViewport);
  // A Markdown cell shows rendered until it is edited: open its editor so its lines can be selected.
  if (notebook.cellAt(at.cell).kind === vscode.NotebookCellKind.Markup) await vscode.commands.executeCommand('notebook.cell.edit');
  // The cell's own editor appears once the cell is rendered: select the cited lines in it then.
  const cell = notebook.cellAt(at.cell).document;
  for (let attempt = 0; attempt < 20; attempt++) {
    const cellEditor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === cell.uri.toString());
    if (cellEditor) {
      const last = Math.min(at.endLine, cell.lineCount - 1);
      const range = new vscode.Range(Math.min(at.startLine, last), 0, last, cell.lineAt(last).text.length);
      cellEditor.selection = new vscode.Selection(range.start, range.end);
      cellEditor.revealRange(range);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
