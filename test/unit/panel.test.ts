import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import * as esbuild from 'esbuild';
import { JSDOM } from 'jsdom';
import type { AnswerView, HostMessage, TurnView, WebviewMessage } from '../../src/shared/protocol';
import { PANEL_BODY } from '../../src/shared/panelBody';
import { shortenMiddle } from '../../src/webview/format';

const repo = path.join(__dirname, '../..');
let bundle: string;

before(async () => {
  // The real webview bundle, built as the extension ships it, run in a DOM.
  const built = await esbuild.build({
    entryPoints: [path.join(repo, 'src/webview/main.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
  });
  bundle = built.outputFiles[0].text;
});

function openPanel() {
  const dom = new JSDOM(`<!DOCTYPE html><html lang="en"><head><title>Groundwork</title></head><body>${PANEL_BODY}</body></html>`, {
    runScripts: 'outside-only',
    pretendToBeVisual: true,
  });
  const posted: WebviewMessage[] = [];
  (dom.window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
    postMessage: (m: WebviewMessage) => posted.push(JSON.parse(JSON.stringify(m))),
  });
  // jsdom has no CSS.escape, which every browser (and VS Code's webview) has.
  (dom.window as unknown as { CSS: { escape: (s: string) => string } }).CSS = { escape: (s: string) => s.replace(/["\\]/g, '\\$&') };
  dom.window.eval(bundle);
  const send = async (message: HostMessage) => {
    dom.window.dispatchEvent(new dom.window.MessageEvent('message', { data: message }));
    await new Promise((resolve) => dom.window.requestAnimationFrame(() => resolve(undefined)));
  };
  return { dom, document: dom.window.document, posted, send };
}

const status = {
  files: 535,
  chunks: 3502,
  indexing: false,
  provider: 'openai',
  model: 'gpt-4o',
  trusted: true,
  hasKey: true,
  modelReady: true,
};

function answeredTurn(): TurnView {
  const sources = Array.from({ length: 13 }, (_, i) => ({
    n: i + 1,
    path: i === 4 ? 'templates/02_many_model_training/start.ipynb' : `guide/page-${i + 1}.md`,
    startLine: 349,
    endLine: 359,
    heading: `Section ${i + 1}`,
  }));
  const result: AnswerView = {
    verdict: 'grounded',
    sources,
    nearest: [],
    citations: [5],
    removedCitations: [],
    provider: 'openai',
    model: 'gpt-4o',
    notes: [],
  };
  return { id: 't1', question: 'How do I train many models?', answer: 'Use one task per model [5]. Then gather the results [5].', result };
}

test('sources collapse to one line with the cited first; long paths lose their middle, with the full path in a tooltip', async () => {
  const { document, send } = openPanel();
  await send({ type: 'state', status, turns: [answeredTurn()] });
  const details = document.querySelector('details.sources-box') as HTMLDetailsElement;
  assert.ok(details, 'the sources are in a collapsible box');
  assert.equal(details.open, false);
  assert.equal(details.querySelector('summary')!.textContent, '13 sources · 1 cited');
  const buttons = [...details.querySelectorAll('button.source')] as HTMLButtonElement[];
  assert.equal(buttons[0].dataset.n, '5', 'the cited source comes first');
  assert.equal(buttons[0].title, 'templates/02_many_model_training/start.ipynb:349-359');
  const shown = buttons[0].querySelector('.source-path')!.textContent!;
  assert.ok(shown.length <= 34 && shown.includes('…') && shown.endsWith('start.ipynb:349-359'), shown);
  assert.equal(shortenMiddle('short.md:1-2', 34), 'short.md:1-2');
});

test("each source says why it was found: the question's words it holds, or related wording; the line never widens the panel", async () => {
  const { document, send } = openPanel();
  const turn = answeredTurn();
  turn.result!.sources[4].matches = ['train', 'many models'];
  turn.result!.sources[0].matches = [];
  await send({ type: 'state', status, turns: [turn] });
  const buttons = [...document.querySelectorAll('button.source')] as HTMLButtonElement[];
  const byN = (n: number) => buttons.find((b) => b.dataset.n === String(n))!;
  assert.equal(byN(5).querySelector('.source-why')!.textContent, 'matches train, many models');
  assert.match(byN(5).getAttribute('aria-label')!, /Section 5, matches train, many models$/);
  assert.match(byN(5).title, /\nmatches train, many models$/, 'the whole line is in the tooltip when the sidebar cuts it');
  assert.equal(byN(1).querySelector('.source-why')!.textContent, 'found by related wording');
  assert.equal(byN(2).querySelector('.source-why'), null, 'an answer from before this field shows nothing');
});

test('a citation that moved with its text shows its new lines, a stale one says so, and an opened source list stays open', async () => {
  const { document, send } = openPanel();
  const turn = answeredTurn();
  await send({ type: 'state', status, turns: [turn] });
  const details = () => document.querySelector('details.sources-box') as HTMLDetailsElement;
  details().open = true;
  details().dispatchEvent(new document.defaultView!.Event('toggle'));
  const sources = turn.result!.sources.map((s) =>
    s.n === 5 ? { ...s, startLine: 351, endLine: 361 } : s.n === 2 ? { ...s, stale: true } : s,
  );
  await send({ type: 'sources', id: 't1', sources });
  assert.equal(details().open, true, 'drawn again, still open');
  const byN = (n: number) => document.querySelector(`button.source[data-n="${n}"]`) as HTMLButtonElement;
  assert.match(byN(5).title, /^templates\/02_many_model_training\/start\.ipynb:351-361/);
  assert.match(byN(2).getAttribute('aria-label')!, /changed since cited/);
});

test('each answer can be copied as Markdown with its sources, asked again, and rated; a citation click names its marker', async () => {
  const { document, posted, send } = openPanel();
  await send({ type: 'state', status, turns: [answeredTurn()] });
  const click = (selector: string) => (document.querySelector(selector) as HTMLElement).click();
  click('button.action-copy');
  const copy = posted.find((m) => m.type === 'copy') as { text: string };
  assert.match(
    copy.text,
    /^Use one task per model \[5\]\. Then gather the results \[5\]\.\n\nSources:\n- \[1\] guide\/page-1\.md:349-359 Section 1/,
  );
  click('button.action-retry');
  assert.deepEqual(posted.at(-1), { type: 'ask', question: 'How do I train many models?' });
  click('button.action-edit-style');
  assert.deepEqual(posted.at(-1), { type: 'editStyle', turnId: 't1' });
  click('button.action-helpful');
  assert.deepEqual(posted.at(-1), { type: 'feedback', turnId: 't1', helpful: true });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(document.querySelector('button.action-helpful')!.getAttribute('aria-pressed'), 'true');

  const citations = [...document.querySelectorAll('a.citation, button.citation, .citation')] as HTMLElement[];
  assert.equal(citations.length, 2);
  citations[1].click();
  assert.deepEqual(posted.at(-1), { type: 'openSource', turnId: 't1', n: 5, marker: 1 });
});

test('the panel has no serious accessibility violations (axe-core), and streaming text is announced politely', async () => {
  const { dom, document, send } = openPanel();
  await send({ type: 'state', status, turns: [answeredTurn()] });
  await send({ type: 'start', id: 't2', question: 'And the empty state?' });
  assert.equal(document.getElementById('log')!.getAttribute('aria-live'), 'polite');
  dom.window.eval(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const axe = (
    dom.window as unknown as {
      axe: {
        run: (context: unknown, options: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }>;
      };
    }
  ).axe;
  const { violations } = await axe.run(document, { rules: { 'color-contrast': { enabled: false } } });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.equal(serious.length, 0, serious.map((v) => `${v.id} (${v.impact})`).join(', '));
  for (const button of document.querySelectorAll('button'))
    assert.ok(button.getAttribute('aria-label') || button.textContent!.trim(), button.outerHTML.slice(0, 80));
});

test('with an endpoint configured, the empty state does not ask for a key', async () => {
  const { document, send } = openPanel();
  await send({ type: 'state', status: { ...status, hasKey: false, model: 'llama3', modelReady: true }, turns: [] });
  assert.doesNotMatch(document.body.textContent!, /Set API Key/);
  assert.match(document.body.textContent!, /llama3/);
  await send({ type: 'state', status: { ...status, provider: 'offline', hasKey: false, modelReady: false }, turns: [] });
  assert.match(document.body.textContent!, /Set API Key/);
});

test('Tab follows reading order: the ask box, the newest answer, then older turns; Shift+Tab from the box goes into the answer', async () => {
  const { dom, document, send } = openPanel();
  const older = { ...answeredTurn(), id: 't0', question: 'An older question?' };
  await send({ type: 'state', status, turns: [older, answeredTurn()] });
  const press = (shiftKey = false) => {
    const event = new dom.window.KeyboardEvent('keydown', { key: 'Tab', shiftKey, bubbles: true, cancelable: true });
    document.activeElement!.dispatchEvent(event);
    return event.defaultPrevented;
  };
  const describe = (el: Element | null) =>
    el?.id || `${el?.closest('article')?.getAttribute('data-turn')}:${el?.className || el?.tagName.toLowerCase()}`;
  const input = document.getElementById('question') as HTMLTextAreaElement;
  input.focus();
  const visited: string[] = [];
  for (let i = 0; i < 18 && press(); i++) visited.push(describe(document.activeElement));
  assert.deepEqual(visited.slice(0, 10), [
    'send',
    't1:citation',
    't1:citation',
    't1:icon action-copy',
    't1:icon action-retry',
    't1:icon action-helpful',
    't1:icon action-unhelpful',
    't1:icon action-edit-style',
    't1:sources-title',
    't0:citation',
  ]);
  assert.equal(visited.at(-1), 't0:sources-title', 'the oldest turn comes last, then focus leaves the panel');
  assert.ok(!visited.slice(9).some((v) => v.startsWith('t1')), 'no newer control after an older one');

  // Shift+Tab from the box: the newest answer's last control, not the far end of the log.
  input.focus();
  assert.equal(press(true), true);
  assert.equal(describe(document.activeElement), 't1:sources-title');
  // An open sources box puts its sources in the order.
  (document.querySelector('article[data-turn="t1"] details') as HTMLDetailsElement).open = true;
  input.focus();
  press(true);
  assert.match(describe(document.activeElement), /^t1:source/);
  // Back through the newest answer to its first control, then out of the panel (no trap).
  const firstCitation = document.querySelector('article[data-turn="t1"] .citation');
  const walked: string[] = [];
  while (document.activeElement !== firstCitation && walked.length < 30) {
    assert.equal(press(true), true);
    walked.push(describe(document.activeElement));
  }
  assert.ok(walked.length < 30 && walked.every((v) => v.startsWith('t1:')), walked.join(', '));
  assert.equal(press(true), false, 'the browser takes Shift+Tab out of the panel');
});

test('a citation that does not support its sentence is shown apart, says so to a screen reader, and Copy keeps it', async () => {
  const { document, posted, send } = openPanel();
  const turn = answeredTurn();
  turn.result!.verdict = 'partly-grounded';
  turn.result!.markers = [
    { n: 5, grade: 'supported' },
    { n: 5, grade: 'unsupported', betterSource: 2 },
  ];
  await send({ type: 'state', status, turns: [turn] });
  const [first, second] = [...document.querySelectorAll('button.citation')] as HTMLElement[];
  assert.ok(!first.classList.contains('unsupported'));
  assert.ok(second.classList.contains('unsupported'));
  assert.equal(second.getAttribute('aria-label'), '[5] does not appear to support this sentence; [2] says this. Open source 5');
  (document.querySelector('button.action-copy') as HTMLElement).click();
  const copy = posted.find((m) => m.type === 'copy') as { text: string };
  assert.match(copy.text, /Citations to check:\n- \[5\] does not appear to support this sentence; \[2\] says this/);
});

test('the empty panel counts in words that agree ("1 file indexed (1 passage)") and, in Restricted Mode, promises no model', async () => {
  const { document, send } = openPanel();
  await send({ type: 'state', status: { ...status, files: 1, chunks: 1 }, turns: [] });
  assert.match(document.body.textContent!, /1 file indexed \(1 passage\)\./);
  // Nothing is sent to a model from an untrusted workspace: the host says the model is not ready, and the page follows.
  await send({ type: 'state', status: { ...status, trusted: false, modelReady: false }, turns: [] });
  assert.doesNotMatch(document.body.textContent!, /Answers are written by/);
  assert.match(document.body.textContent!, /535 files indexed \(3502 passages\)\./);
});
