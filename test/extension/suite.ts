/**
 * The extension-host suite: mocha tests that run inside a real VS Code's extension host, against the installed
 * extension and a fixture workspace (test/e2e/workspace.ts). One suite, two hosts: code-server's
 * (test/extension/runCodeServer.ts, run here and in CI) and desktop VS Code's (test/extension/runDesktop.ts,
 * @vscode/test-electron, where VS Code can be downloaded). Results are also written as JSON next to the bundle,
 * because a remote extension host's console is not the runner's.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import type { GroundworkApi } from '../../src/extension/extension';
import { LoopbackOpenAI } from '../support/loopbackOpenAI';
import { RESULTS_FILE, type SuiteResult } from './results';

const INDEX_TIMEOUT_MS = 60_000;

const tests: Array<[string, () => Promise<void>]> = [
  [
    'activates on its contributions and registers every command',
    async () => {
      const extension = vscode.extensions.all.find((e) => e.packageJSON.name === 'groundwork');
      assert.ok(extension, 'Groundwork is installed');
      await extension.activate();
      const commands = await vscode.commands.getCommands(true);
      for (const id of [
        'ask',
        'explainSelection',
        'rebuildIndex',
        'showIndexStatus',
        'setApiKey',
        'clearApiKey',
        'selectModel',
        'newChat',
        'trainHouseStyle',
      ]) {
        assert.ok(commands.includes(`groundwork.${id}`), `groundwork.${id} is registered`);
      }
    },
  ],
  [
    'settings are declared with the offline defaults: no key, no network',
    async () => {
      const config = vscode.workspace.getConfiguration('groundwork');
      assert.equal(config.get('index.embedder'), 'offline');
      assert.equal(config.get('model.provider'), 'offline');
      assert.equal(config.get('model.baseUrl'), '');
      assert.equal(config.inspect('index.embedder')?.defaultValue, 'offline');
    },
  ],
  [
    'builds the index in the background and reports it in Show Index Status',
    async () => {
      const text = await until(async () => {
        await vscode.commands.executeCommand('groundwork.showIndexStatus');
        const shown = vscode.window.activeTextEditor?.document.getText() ?? '';
        return /files indexed: [1-9]\d*/.test(shown) ? shown : undefined;
      }, 'the index status to list indexed files');
      assert.match(text, /# Groundwork index/);
      assert.match(text, /embedder: hashing-v3-256/);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    },
  ],
  [
    'a hover on a documented identifier in code lists doc passages whose link opens the cited lines',
    async () => {
      const code = await openWorkspaceFile('src/client.py');
      const position = positionOf(code.document, 'max_retries');
      const link = await until(
        async () => groundworkLink(await hoversAt(code.document.uri, position)),
        'a Groundwork hover on max_retries',
      );
      const [location] = JSON.parse(decodeURIComponent(link.slice(link.indexOf('?') + 1))) as Array<{
        path: string;
        startLine: number;
        endLine: number;
      }>;
      assert.equal(location.path, 'docs/guide/retries.rst');
      await vscode.commands.executeCommand('groundwork.openLocation', location);
      const editor = vscode.window.activeTextEditor!;
      assert.equal(vscode.workspace.asRelativePath(editor.document.uri, false), location.path);
      assert.equal(editor.selection.start.line, location.startLine - 1);
      assert.equal(editor.selection.end.line, location.endLine - 1);
    },
  ],
  [
    'a doc written while VS Code runs is indexed by the watcher and found by the hover',
    async () => {
      const folder = vscode.workspace.workspaceFolders![0].uri;
      const term = `quibblefrost${Date.now() % 100000}`;
      await vscode.workspace.fs.writeFile(
        vscode.Uri.joinPath(folder, 'docs/watched.md'),
        Buffer.from(`# Watched\n\nThe ${term} option turns the frost on.\n`),
      );
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'src/watched.py'), Buffer.from(`${term} = True\n`));
      const code = await openWorkspaceFile('src/watched.py');
      const link = await until(
        async () => groundworkLink(await hoversAt(code.document.uri, new vscode.Position(0, 2))),
        `a hover for ${term}`,
      );
      assert.match(decodeURIComponent(link), /docs\/watched\.md/);
    },
  ],
  [
    'a question asked right after a save finds the saved text at its new lines, without waiting for the watcher',
    async () => {
      const folder = vscode.workspace.workspaceFolders![0].uri;
      const uri = vscode.Uri.joinPath(folder, 'docs/saved.md');
      const searchTool = (query: string) =>
        (vscode.lm as unknown as { invokeTool(name: string, options: object): Thenable<{ content: Array<{ value?: string }> }> })
          .invokeTool('groundwork_searchDocs', { input: { query, k: 1 }, toolInvocationToken: undefined })
          .then((result) => result.content.map((part) => part.value ?? '').join(''));
      await vscode.workspace.fs.writeFile(uri, Buffer.from('# Saved\n\nThe lantern option dims the lamp.\n'));
      await until(async () => ((await searchTool('lantern option')).includes('docs/saved.md') ? true : undefined), 'the new doc');
      const term = `glimmerwick${Date.now() % 100000}`;
      const editor = await vscode.window.showTextDocument(uri);
      await editor.edit((edit) =>
        edit.insert(new vscode.Position(0, 0), `# Moved\n\nA new paragraph.\n\nThe ${term} knob sets the glow.\n\n`),
      );
      await editor.document.save();
      // At once: the watcher's debounce has not run yet.
      const found = await searchTool(`${term} knob`);
      const cited = /docs\/saved\.md:(\d+)-(\d+)/.exec(found);
      assert.ok(cited, `the saved text is found: ${found.slice(0, 300)}`);
      const lines = editor.document.getText().split('\n');
      const at = lines.findIndex((line) => line.includes(term)) + 1;
      assert.ok(Number(cited[1]) <= at && at <= Number(cited[2]), `line ${at} is inside the cited ${cited[1]}-${cited[2]}`);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    },
  ],
  [
    'Rebuild Index builds the index again from nothing, and hovers and the status work after it',
    async () => {
      await vscode.commands.executeCommand('groundwork.rebuildIndex');
      await vscode.commands.executeCommand('groundwork.showIndexStatus');
      assert.match(vscode.window.activeTextEditor?.document.getText() ?? '', /files indexed: [1-9]\d*/);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      const code = await openWorkspaceFile('src/client.py');
      assert.ok(groundworkLink(await hoversAt(code.document.uri, positionOf(code.document, 'max_retries'))));
    },
  ],
  [
    'the docs tools are offered to agents and return cited passages and exact lines',
    async () => {
      const api = await groundworkApi();
      assert.deepEqual(
        api.surfaces,
        { chatParticipant: true, languageModelTools: true, mcpServers: true },
        'VS Code 1.139 has every agent API',
      );
      const lm = vscode.lm as unknown as {
        tools: ReadonlyArray<{ name: string }>;
        invokeTool(
          name: string,
          options: { input: object; toolInvocationToken: undefined },
        ): Thenable<{ content: Array<{ value?: string }> }>;
      };
      const names = lm.tools.map((t) => t.name);
      assert.ok(names.includes('groundwork_searchDocs') && names.includes('groundwork_readDocLines'), names.join(', '));
      const text = (result: { content: Array<{ value?: string }> }) => result.content.map((part) => part.value ?? '').join('');
      const found = await until(async () => {
        const result = text(
          await lm.invokeTool('groundwork_searchDocs', { input: { query: 'max_retries backoff', k: 3 }, toolInvocationToken: undefined }),
        );
        return /docs\/guide\/retries\.rst:\d+-\d+/.test(result) ? result : undefined;
      }, 'the search tool to return the retries guide');
      assert.match(found, /<passage>/);
      const lines = text(
        await lm.invokeTool('groundwork_readDocLines', {
          input: { path: 'docs/guide/retries.rst', startLine: 1, endLine: 2 },
          toolInvocationToken: undefined,
        }),
      );
      assert.match(lines, /^docs\/guide\/retries\.rst:1-2 /);
      const refused = text(
        await lm.invokeTool('groundwork_readDocLines', { input: { path: '../../etc/passwd' }, toolInvocationToken: undefined }),
      );
      assert.match(refused, /outside the workspace folder/);

      // The panel's judgement reaches the agent: an off-topic question is marked not covered, in words and as data.
      const offTopic = await lm.invokeTool('groundwork_searchDocs', {
        input: { query: 'What is the capital of France?' },
        toolInvocationToken: undefined,
      });
      assert.match(text(offTopic), /The docs do not appear to cover "What is the capital of France\?"/);
      const parts = offTopic.content as Array<{ mimeType?: string; data?: Uint8Array }>;
      const data = parts.find((part) => part.data && /json/.test(part.mimeType ?? ''));
      assert.ok(
        data?.data,
        `the structured judgement comes as a JSON data part: ${JSON.stringify(parts.map((p) => ({ keys: Object.keys(p), mime: p.mimeType, ctor: (p as object).constructor?.name })))}`,
      );
      assert.equal((JSON.parse(new TextDecoder().decode(data.data)) as { covered: boolean }).covered, false);
      const covered = await lm.invokeTool('groundwork_searchDocs', {
        input: { query: 'max_retries backoff' },
        toolInvocationToken: undefined,
      });
      assert.doesNotMatch(text(covered), /do not appear to cover/);
      // A folder as agents write it filters; one that does not exist is an error naming the folders that do.
      const inGuide = text(
        await lm.invokeTool('groundwork_searchDocs', {
          input: { query: 'max_retries', pathGlob: 'docs/guide/' },
          toolInvocationToken: undefined,
        }),
      );
      assert.match(inGuide, /docs\/guide\/retries\.rst/);
      const nowhere = text(
        await lm.invokeTool('groundwork_searchDocs', {
          input: { query: 'max_retries', pathGlob: 'tutorials' },
          toolInvocationToken: undefined,
        }),
      );
      assert.match(nowhere, /Cannot do that: pathGlob "tutorials" matches no indexed file; folders that exist: .*docs/);

      // The whole section a citation points into, and a caller's token budget honoured.
      assert.ok(names.includes('groundwork_readDocSection'), names.join(', '));
      const cited = /docs\/guide\/retries\.rst:(\d+)-\d+/.exec(found)!;
      const section = text(
        await lm.invokeTool('groundwork_readDocSection', {
          input: { citation: `docs/guide/retries.rst:${cited[1]}` },
          toolInvocationToken: undefined,
        }),
      );
      assert.match(section, /^Section .*docs\/guide\/retries\.rst:\d+-\d+/);
      const budgeted = text(
        await (lm.invokeTool as (name: string, options: object) => Thenable<{ content: Array<{ value?: string }> }>)(
          'groundwork_readDocLines',
          {
            input: { path: 'docs/guide/retries.rst' },
            toolInvocationToken: undefined,
            tokenizationOptions: { tokenBudget: 60, countTokens: async (t: string) => t.length / 4 },
          },
        ),
      );
      assert.match(budgeted, /Cut at line \d+ to fit 60 tokens/);
    },
  ],
  [
    '@groundwork answers through its handler, with each citation anchored at the exact lines',
    async () => {
      const api = await groundworkApi();
      const parts: Array<{ kind: string; value: unknown; title?: string }> = [];
      const stream = {
        markdown: (value: unknown) => parts.push({ kind: 'markdown', value }),
        anchor: (value: unknown, title?: string) => parts.push({ kind: 'anchor', value, title }),
        reference: (value: unknown) => parts.push({ kind: 'reference', value }),
        progress: (value: unknown) => parts.push({ kind: 'progress', value }),
        button: () => undefined,
        filetree: () => undefined,
        push: () => undefined,
      } as unknown as vscode.ChatResponseStream;
      const request = {
        prompt: 'How do I set max_retries for the client?',
        command: undefined,
        references: [],
      } as unknown as vscode.ChatRequest;
      const result = (await api.chatHandler(
        request,
        { history: [] },
        stream,
        new vscode.CancellationTokenSource().token,
      )) as vscode.ChatResult;
      assert.equal(result.errorDetails, undefined, JSON.stringify(result.errorDetails));
      const anchor = parts.find((p) => p.kind === 'anchor' && p.value instanceof vscode.Location);
      assert.ok(anchor, `an anchor among ${parts.map((p) => p.kind).join(', ')}`);
      const location = anchor.value as vscode.Location;
      assert.equal(vscode.workspace.asRelativePath(location.uri, false), 'docs/guide/retries.rst');
      const cited = (await vscode.workspace.openTextDocument(location.uri)).getText(location.range);
      assert.match(cited, /max_retries/, 'the anchored lines say what is cited');
      assert.ok(parts.some((p) => p.kind === 'reference'));
    },
  ],
  [
    'with reranking set to an endpoint, @groundwork sends the question and its best passages there (no key) and still cites the exact lines',
    async () => {
      const api = await groundworkApi();
      const server = await new LoopbackOpenAI().start();
      const config = vscode.workspace.getConfiguration('groundwork');
      try {
        await config.update('retrieval.rerank', 'endpoint', vscode.ConfigurationTarget.Global);
        await config.update('retrieval.rerankUrl', server.baseURL, vscode.ConfigurationTarget.Global);
        const anchors: vscode.Location[] = [];
        const stream = {
          markdown: () => {},
          anchor: (value: unknown) => value instanceof vscode.Location && anchors.push(value),
          reference: () => {},
          progress: () => {},
          button: () => {},
          push: () => {},
        };
        const prompt = 'How do I set max_retries for the client?';
        const result = (await api.chatHandler(
          { prompt, command: undefined, references: [] } as unknown as vscode.ChatRequest,
          { history: [] },
          stream as unknown as vscode.ChatResponseStream,
          new vscode.CancellationTokenSource().token,
        )) as vscode.ChatResult;
        assert.equal(result.errorDetails, undefined, JSON.stringify(result.errorDetails));
        const reranks = server.requests.filter((r) => r.path.endsWith('/rerank'));
        assert.equal(reranks.length, 1, 'one rerank request per question');
        assert.equal(reranks[0].body.query, prompt);
        assert.ok(reranks[0].body.documents.some((d: string) => /max_retries/.test(d)));
        assert.equal(reranks[0].headers.authorization, undefined, 'no key goes to a server other than the model server');
        assert.ok(anchors.some((a) => vscode.workspace.asRelativePath(a.uri, false) === 'docs/guide/retries.rst'));
      } finally {
        await config.update('retrieval.rerank', undefined, vscode.ConfigurationTarget.Global);
        await config.update('retrieval.rerankUrl', undefined, vscode.ConfigurationTarget.Global);
        await server.stop();
      }
    },
  ],
  [
    '/explain of a selection that ends at column 1 of the next line explains only the selected lines',
    async () => {
      const api = await groundworkApi();
      const code = await openWorkspaceFile('src/client.py');
      // Lines 4-5 selected with the keyboard (Shift+Down twice from line 4): the end sits at column 1 of line 6.
      code.selection = new vscode.Selection(3, 0, 5, 0);
      const stream = { markdown: () => {}, anchor: () => {}, reference: () => {}, progress: () => {}, button: () => {}, push: () => {} };
      const result = (await api.chatHandler(
        { prompt: '', command: 'explain', references: [] } as unknown as vscode.ChatRequest,
        { history: [] },
        stream as unknown as vscode.ChatResponseStream,
        new vscode.CancellationTokenSource().token,
      )) as vscode.ChatResult;
      const question = String((result.metadata as { question?: string }).question);
      assert.match(question, /from src\/client\.py \(lines 4-5\)/);
      assert.doesNotMatch(question, /return client/, 'the line the selection ends at column 1 of is not explained');
    },
  ],
  [
    'a citation into a Markdown notebook cell opens the notebook editor with the cited lines of that cell selected',
    async () => {
      // tour.ipynb's JSON line 27 is the third line of its third cell ("Tune the sprocket…").
      await vscode.commands.executeCommand('groundwork.openLocation', { path: 'docs/guide/tour.ipynb', startLine: 27, endLine: 27 });
      const notebook = await until(
        async () =>
          vscode.window.activeNotebookEditor?.notebook.uri.path.endsWith('tour.ipynb') ? vscode.window.activeNotebookEditor : undefined,
        'the notebook editor',
      );
      assert.equal(notebook.selection.start, 2, 'the third cell is selected');
      const cell = notebook.notebook.cellAt(2).document;
      const cellEditor = await until(
        async () => vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === cell.uri.toString()),
        "the cell's editor",
      );
      assert.equal(cellEditor.document.getText(cellEditor.selection), 'Tune the sprocket by turning the dial clockwise.');
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    },
  ],
  [
    'a plain word the docs do not cover shows no Groundwork hover',
    async () => {
      const code = await openWorkspaceFile('src/client.py');
      const hovers = await hoversAt(code.document.uri, positionOf(code.document, 'make_client'));
      assert.equal(groundworkLink(hovers), undefined);
    },
  ],
];

export async function run(): Promise<void> {
  const mocha = new Mocha({ timeout: INDEX_TIMEOUT_MS * 2, color: false });
  const suite = Mocha.Suite.create(mocha.suite, 'Groundwork in the extension host');
  for (const [title, body] of tests) suite.addTest(new Mocha.Test(title, body));
  const results: SuiteResult[] = [];
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    runner.on('pass', (t: Mocha.Test) => results.push({ title: t.title, ok: true }));
    runner.on('fail', (t: Mocha.Test, error: Error) => results.push({ title: t.title, ok: false, error: error.message }));
  });
  writeFileSync(path.join(__dirname, RESULTS_FILE), JSON.stringify(results, null, 2));
  if (failures) throw new Error(`${failures} extension-host test(s) failed`);
}

async function groundworkApi(): Promise<GroundworkApi> {
  const extension = vscode.extensions.all.find((e) => e.packageJSON.name === 'groundwork');
  assert.ok(extension);
  return (await extension.activate()) as GroundworkApi;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + INDEX_TIMEOUT_MS;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function openWorkspaceFile(relative: string): Promise<vscode.TextEditor> {
  const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, relative);
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
}

function positionOf(document: vscode.TextDocument, word: string): vscode.Position {
  const offset = document.getText().indexOf(word);
  assert.ok(offset >= 0, `${word} is in ${document.uri.path}`);
  return document.positionAt(offset + 1);
}

async function hoversAt(uri: vscode.Uri, position: vscode.Position): Promise<vscode.Hover[]> {
  return (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
}

/** The first `groundwork.openLocation` link in Groundwork's hover, if there is one. */
function groundworkLink(hovers: vscode.Hover[]): string | undefined {
  for (const hover of hovers) {
    for (const content of hover.contents) {
      const value = typeof content === 'string' ? content : content.value;
      if (!value.includes('**Groundwork**')) continue;
      const match = /\(command:groundwork\.openLocation\?([^ )]+)/.exec(value);
      if (match) return `groundwork.openLocation?${match[1]}`;
    }
  }
  return undefined;
}
