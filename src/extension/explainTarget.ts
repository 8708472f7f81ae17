import * as vscode from 'vscode';
import type { ExplainTarget } from '../core/answer/explainQuestion';

/**
 * A range of a document as something to explain. A selection that ends at column 1 of a line (a whole-line
 * selection made with the keyboard) does not include that line.
 */
export function explainTargetOf(document: vscode.TextDocument, range: vscode.Range): ExplainTarget {
  const endLine = range.end.character === 0 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line;
  return {
    file: vscode.workspace.asRelativePath(document.uri, false),
    language: document.languageId,
    text: document.getText(range).trim(),
    startLine: range.start.line + 1,
    endLine: endLine + 1,
  };
}
