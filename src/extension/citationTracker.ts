import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { splitLines } from '../core/discovery/readDocument';
import { followCitedLines } from '../core/answer/followLines';
import type { Answer } from '../core/answer/types';
import { sourceUri } from './answerService';

/** Source `n` of an answer moved `delta` lines (0: it did not move), or went stale, or says its text again. */
export interface CitationChange {
  turnId: string;
  n: number;
  delta: number;
  stale: boolean;
}

interface CitedRange {
  turnId: string;
  n: number;
  question: string;
  uri: vscode.Uri;
  startLine: number;
  endLine: number;
  /** The cited lines' text when the answer was given. */
  text: string;
  stale: boolean;
  /** Cited by the answer (marked in the editor, named on hover); an uncited source shown with it follows its text too. */
  cited: boolean;
}

/**
 * Remembers which lines this session's answers cited: marks them in their editors, says on hover which question
 * cited them, and flags a citation as stale once its lines change.
 */
export class CitationTracker implements vscode.Disposable, vscode.HoverProvider {
  private ranges: CitedRange[] = [];
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
      this.ranges.push({
        turnId,
        n: source.n,
        question,
        uri,
        startLine: source.startLine,
        endLine: source.endLine,
        text,
        stale: false,
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
    return this.ranges.some((r) => r.turnId === turnId && r.n === n && r.stale);
  }

  /** Re-reads files with citations when the watcher sees them change on disk. */
  async checkFiles(): Promise<void> {
    const seen = new Set<string>();
    for (const range of this.ranges) {
      if (seen.has(range.uri.toString())) continue;
      seen.add(range.uri.toString());
      const document = await vscode.workspace.openTextDocument(range.uri).then(
        (d) => d,
        () => undefined,
      );
      if (document) this.check(document);
      else for (const gone of this.ranges.filter((r) => r.uri.toString() === range.uri.toString())) this.update(gone, 0, true);
    }
    this.decorate();
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const here = this.ranges.filter(
      (r) => r.cited && r.uri.toString() === document.uri.toString() && r.startLine - 1 <= position.line && position.line <= r.endLine - 1,
    );
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

  /**
   * Cited lines that no longer say what they said follow their text where it moved, or go stale; a stale citation
   * whose text is back (an undo, a revert, a paste) is followed again.
   */
  private check(document: vscode.TextDocument): void {
    let lines: string[] | undefined;
    let changed = false;
    for (const range of this.ranges) {
      if (range.uri.toString() !== document.uri.toString()) continue;
      if (currentText(document, range) === range.text) {
        changed = this.update(range, 0, false) || changed;
        continue;
      }
      lines ??= document.getText().split(/\r?\n/);
      const at = followCitedLines(range.text, range.startLine, lines);
      changed = this.update(range, at === undefined ? 0 : at - range.startLine, at === undefined) || changed;
    }
    if (changed) this.decorate();
  }

  /** Moves a range and sets whether it is stale; tells the panel when either changed. */
  private update(range: CitedRange, delta: number, stale: boolean): boolean {
    if (!delta && range.stale === stale) return false;
    range.startLine += delta;
    range.endLine += delta;
    range.stale = stale;
    this.changeEmitter.fire({ turnId: range.turnId, n: range.n, delta, stale });
    return true;
  }

  private decorate(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const ranges = this.ranges
        .filter((r) => r.cited && !r.stale && r.uri.toString() === editor.document.uri.toString())
        .map((r) => new vscode.Range(r.startLine - 1, 0, Math.max(r.startLine - 1, r.endLine - 1), 0));
      editor.setDecorations(this.decoration, ranges);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function currentText(document: vscode.TextDocument, range: CitedRange): string | undefined {
  if (range.endLine > document.lineCount) return undefined;
  const lines: string[] = [];
  for (let i = range.startLine - 1; i < range.endLine; i++) lines.push(document.lineAt(i).text);
  return lines.join('\n');
}

async function readLinesOnDisk(uri: vscode.Uri, startLine: number, endLine: number): Promise<string | undefined> {
  try {
    const lines = splitLines(await fs.readFile(uri.fsPath, 'utf8'));
    return endLine <= lines.length ? lines.slice(startLine - 1, endLine).join('\n') : undefined;
  } catch {
    return undefined;
  }
}
