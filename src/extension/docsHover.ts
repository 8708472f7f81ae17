import * as vscode from 'vscode';
import { plainDocText, plainInlineText } from '../core/text/docMarkup';
import { HOVER_MAX_TERM_SHARE } from '../core/retrieval/hover';
import type { FolderResult } from '../core/worker/protocol';
import type { IndexService } from './indexService';
import { readSettings } from './settings';

const MAX_PASSAGES = 3;
const EXCERPT_LINES = 3;
/** A passage is shown only when it contains every term of the hovered word. */
const MIN_COVERAGE = 0.99;

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*(?:[.:-][A-Za-z_][A-Za-z0-9_]*)*/;

/**
 * Doc passages for the word under the cursor, from the local index alone (lexical search in the worker: no
 * model, no embedding call), with links that open the passage's lines.
 */
export class DocsHover implements vscode.HoverProvider {
  constructor(private readonly index: IndexService) {}

  async provideHover(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<vscode.Hover | undefined> {
    if (!readSettings(document.uri)['hover.enabled']) return undefined;
    const range = document.getWordRangeAtPosition(position, IDENTIFIER);
    if (!range) return undefined;
    const word = document.getText(range);
    if (word.length < 3 || word.length > 80) return undefined;
    let results: FolderResult[];
    try {
      results = await this.index.search(word, { k: MAX_PASSAGES * 3, maxTermShare: HOVER_MAX_TERM_SHARE }, true);
    } catch {
      return undefined;
    }
    if (token.isCancellationRequested) return undefined;
    const here = vscode.workspace.asRelativePath(document.uri, false);
    const passages = results
      .filter((r) => r.coverage >= MIN_COVERAGE)
      // The passage being hovered in is not news to the reader.
      .filter((r) => !(r.path === here && r.startLine - 1 <= position.line && position.line <= r.endLine - 1))
      .slice(0, MAX_PASSAGES);
    if (!passages.length) return undefined;
    const markdown = new vscode.MarkdownString(undefined, true);
    markdown.isTrusted = { enabledCommands: ['groundwork.openLocation'] };
    markdown.appendMarkdown(`$(book) **Groundwork**: docs for \`${word.replace(/`/g, '')}\`\n\n`);
    for (const passage of passages) {
      const args = encodeURIComponent(
        JSON.stringify([{ root: passage.root, path: passage.path, startLine: passage.startLine, endLine: passage.endLine }]),
      );
      const location = `${passage.path}:${passage.startLine}-${passage.endLine}`;
      markdown.appendMarkdown(`[${escapeMarkdown(location)}](command:groundwork.openLocation?${args} "Open ${escapeMarkdown(location)}")`);
      if (passage.headingPath.length) markdown.appendMarkdown(` — ${escapeMarkdown(passage.headingPath.map(plainInlineText).join(' › '))}`);
      markdown.appendMarkdown('\n\n');
      markdown.appendCodeblock(excerpt(plainDocText(passage.text), word), 'text');
    }
    return new vscode.Hover(markdown, range);
  }
}

/** Two or three lines around the first mention of the word. */
function excerpt(text: string, word: string): string {
  const lines = text.split('\n').filter((l) => l.trim());
  const at = Math.max(
    0,
    lines.findIndex((l) => l.toLowerCase().includes(word.toLowerCase())),
  );
  const start = Math.max(0, at - 1);
  return lines
    .slice(start, start + EXCERPT_LINES)
    .map((l) => (l.length > 160 ? `${l.slice(0, 157)}…` : l))
    .join('\n');
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
