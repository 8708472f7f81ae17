import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { splitLines } from '../core/discovery/readDocument';
import { type CitationChange, CitedRanges } from '../core/answer/citedRanges';
import type { Answer } from '../core/answer/types';
import { sourceUri } from './answerService';

export type { CitationChange };

/**
 * Remembers which lines this session's answers cited: marks them in their editors, says on hover which question
 * cited them, and flags a citation as stale once its lines change.
 */
export class CitationTracker implements vscode.Disposable, vscode.HoverProvider {
  private readonly ranges = new CitedRanges();
  private readonly decoration = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    borderWidth: '0 0 0 2px',
    borderStyle: 'solid',
    borderColor: new vscode.ThemeColor('editorInfo.foreground'),
    overviewRulerColor: new vscode.ThemeColor('editorInfo.foreground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly changeEmitter = new vscode.EventEmitter<CitationChange>();
  /**
   * A cited passage moved with its text (lines added or removed above it) and its citation follows; or its text
   * changed, and the citation is stale until the text is back (an undo, a revert).
   */
  readonly onDidChangeCitation = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [this.decoration, this.changeEmitter];

  constructor() {
    this.disposables.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.decorate()),
      vscode.workspace.onDidChangeTextDocument((event) => this.check(event.document)),
      vscode.workspace.onDidSaveTextDocument((document) => this.check(document)),
    );
  }

  async record(turnId: string, question: string, answer: Answer): Promise<void> {
    const open = new Map<string, vscode.TextDocument>();
    // Every source shown with the answer follows its text, cited or not: a source list must not point at old lines.
    for (const source of answer.sources) {
      const cited = answer.citations.includes(source.n);
      const uri = sourceUri(source);
      if (!uri) continue;
      // The cited lines as the index read them, from the file on disk: an editor with unsaved changes may show
      // other text at those line numbers.
      const text = await readLinesOnDisk(uri, source.startLine, source.endLine);
      if (text === undefined) continue;
      this.ranges.add({
        turnId,
        n: source.n,
        question,
        file: uri.toString(),
        startLine: source.startLine,
        endLine: source.endLine,
        text,
        cited,
      });
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (document) open.set(uri.toString(), document);
    }
    // Where an editor holds the file otherwise, each citation follows its text there at once (or is stale).
    for (const document of open.values()) this.check(document);
    this.decorate();
  }

  staleFor(turnId: string, n: number): boolean {
    return this.ranges.isStale(turnId, n);
  }

  /** Re-reads files with citations when the watcher sees them change on disk. */
  async checkFiles(): Promise<void> {
    for (const file of this.ranges.files()) {
      const uri = vscode.Uri.parse(file);
      const document = await vscode.workspace.openTextDocument(uri).then(
        (d) => d,
        () => undefined,
      );
      if (document) this.check(document);
      else this.announce(this.ranges.lose(file));
    }
    this.decorate();
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const here = this.ranges
      .inFile(document.uri.toString())
      .filter((r) => r.cited && r.startLine - 1 <= position.line && position.line <= r.endLine - 1);
    if (!here.length) return undefined;
    const markdown = new vscode.MarkdownString();
    markdown.supportThemeIcons = true;
    for (const range of here) {
      markdown.appendMarkdown(range.stale ? '$(warning) **Stale citation** ' : '$(book) **Cited by Groundwork** ');
      // The question is user text: appended as text, never as Markdown.
      markdown.appendText(`[${range.n}] for “${range.question}”${range.stale ? ': these lines changed since.' : ''}`);
      markdown.appendMarkdown('\n\n');
    }
    return new vscode.Hover(markdown);
  }

  /** The document as the editor holds it now: every source shown in any answer follows its text there. */
  private check(document: vscode.TextDocument): void {
    const file = document.uri.toString();
    if (!this.ranges.inFile(file).length) return;
    const now = {
      lineCount: document.lineCount,
      line: (n: number) => document.lineAt(n - 1).text,
      lines: () => document.getText().split(/\r?\n/),
    };
    if (this.announce(this.ranges.follow(file, now))) this.decorate();
  }

  private announce(changes: CitationChange[]): boolean {
    for (const change of changes) this.changeEmitter.fire(change);
    return changes.length > 0;
  }

  private decorate(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const ranges = this.ranges
        .inFile(editor.document.uri.toString())
        .filter((r) => r.cited && !r.stale)
        .map((r) => new vscode.Range(r.startLine - 1, 0, Math.max(r.startLine - 1, r.endLine - 1), 0));
      editor.setDecorations(this.decoration, ranges);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

async function readLinesOnDisk(uri: vscode.Uri, startLine: number, endLine: number): Promise<string | undefined> {
  try {
    const lines = splitLines(await fs.readFile(uri.fsPath, 'utf8'));
    return endLine <= lines.length ? lines.slice(startLine - 1, endLine).join('\n') : undefined;
  } catch {
    return undefined;
  }
}
