import * as vscode from 'vscode';
import { plainDocText, plainInlineText } from '../core/text/docMarkup';
import type { FolderResult } from '../core/worker/protocol';
import type { IndexService } from './indexService';
import { readSettings } from './settings';
import { locationOf } from '../shared/citationMarkers';

const MAX_PASSAGES = 3;
const EXCERPT_LINES = 3;

/** A name from code, qualified or not: `num_gpus`, `tune.Tuner`, `CWnd::Create`, `std::find_first_of`. */
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::|->)[A-Za-z_][A-Za-z0-9_]*)*/;

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
      // One more than shown: the passage being hovered in may be among them, and is left out.
      results = await this.index.lookup(word, MAX_PASSAGES + 1);
    } catch {
      return undefined;
    }
    if (token.isCancellationRequested) return undefined;
    const here = vscode.workspace.asRelativePath(document.uri, false);
    const passages = results
      // The passage being hovered in is not news to the reader.
      .filter((r) => !(r.path === here && r.startLine - 1 <= position.line && position.line <= r.endLine - 1))
      .slice(0, MAX_PASSAGES);
    if (!passages.length) return undefined;
    const markdown = new vscode.MarkdownString(undefined, true);
    markdown.isTrusted = { enabledCommands: ['groundwork.openLocation'] };
    const name = word.replace(/`/g, '');
    markdown.appendMarkdown(`$(book) **Groundwork**: docs for \`${name}\`\n\n`);
    for (const passage of passages) {
      const args = encodeURIComponent(
        JSON.stringify([{ root: passage.root, path: passage.path, startLine: passage.startLine, endLine: passage.endLine }]),
      );
      const location = locationOf(passage);
      const title = passage.headingPath.length ? passage.headingPath.map(plainInlineText).at(-1)! : passage.path;
      markdown.appendMarkdown(`**${escapeMarkdown(title)}** · `);
      markdown.appendMarkdown(`[${escapeMarkdown(location)}](command:groundwork.openLocation?${args} "Open ${escapeMarkdown(location)}")`);
      if (passage.path.endsWith('.ipynb')) markdown.appendMarkdown(passage.cell ? ` · notebook cell ${passage.cell}` : ' · notebook');
      markdown.appendMarkdown('\n\n');
      markdown.appendMarkdown(`${highlighted(excerpt(plainDocText(passage.text), lastPart(name)), lastPart(name))}\n\n`);
    }
    return new vscode.Hover(markdown, range);
  }
}

/** Two or three lines around the first mention of the word. */
function excerpt(text: string, word: string): string {
  const lines = text.split('\n').filter((l) => l.trim() && !/^\s*[=\-~^"'`*+#]{3,}\s*$/.test(l));
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

/** The name the excerpt is found by: the last part of a qualified one (`Create` of `CWnd::Create`). */
function lastPart(name: string): string {
  return name.split(/\.|::|->/).at(-1) ?? name;
}

/** The excerpt as quoted text, each whole-word mention of the name in bold, everything else escaped. */
function highlighted(text: string, name: string): string {
  const word = new RegExp(`(?<![A-Za-z0-9_])(${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})(?![A-Za-z0-9_])`, 'g');
  return (
    text
      .split('\n')
      // Indentation would make a Markdown code block (shown raw); a heading's underline says nothing.
      .map((line) => line.trim())
      .filter((line) => line && !/^[=\-~^"'`*+#]{3,}$/.test(line))
      .map(
        (line) =>
          `> ${line
            .split(word)
            .map((piece, i) => (i % 2 ? `**${escapeMarkdown(piece)}**` : escapeMarkdown(piece)))
            .join('')}`,
      )
      .join('\n>\n')
  );
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
