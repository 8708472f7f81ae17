import DOMPurify from 'dompurify';
import {
  type AnswerView,
  type HostMessage,
  type MarkerView,
  type PanelCommand,
  type PanelStatus,
  type SourceView,
  type TurnView,
  unsupportedNote,
  type WebviewMessage,
} from '../shared/protocol';
import { focusableIn, nextInOrder, readingOrder } from './focusOrder';
import { answerAsMarkdown, MAX_PATH_CHARS, shortenMiddle } from './format';
import { renderMarkdown } from './renderMarkdown';
import { verdictLabel } from '../shared/verdictLabel';
import { locationOf } from '../shared/citationMarkers';

declare function acquireVsCodeApi(): { postMessage(message: WebviewMessage): void };
const vscode = acquireVsCodeApi();
const post = (message: WebviewMessage) => vscode.postMessage(message);

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const log = $<HTMLDivElement>('log');
const input = $<HTMLTextAreaElement>('question');
const sendButton = $<HTMLButtonElement>('send');
const stopButton = $<HTMLButtonElement>('stop');
const statusLine = $<HTMLDivElement>('status');

let turns: TurnView[] = [];
let status: PanelStatus | undefined;
let streamingId: string | undefined;
let renderQueued = false;
/** The turns whose sources list the reader opened. */
const openSourceBoxes = new Set<string>();

/** Model and doc text is rendered by our Markdown renderer, then sanitized again: two guards, then the CSP. */
function safeHtml(markdown: string): string {
  return DOMPurify.sanitize(renderMarkdown(markdown), {
    ALLOWED_TAGS: [
      'p',
      'br',
      'strong',
      'em',
      's',
      'code',
      'pre',
      'blockquote',
      'ul',
      'ol',
      'li',
      'h1',
      'h2',
      'h3',
      'h4',
      'h5',
      'h6',
      'hr',
      'table',
      'thead',
      'tbody',
      'tr',
      'th',
      'td',
      'a',
      'span',
      'div',
      'button',
    ],
    ALLOWED_ATTR: ['class', 'data-n', 'data-href', 'href', 'title', 'aria-label', 'aria-hidden', 'type'],
    ALLOW_DATA_ATTR: false,
  });
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function sourceButton(turn: TurnView, source: SourceView, nearest: boolean, uncited = false): HTMLElement {
  const li = element('li', uncited ? 'uncited' : undefined);
  const button = element('button', `source${source.stale ? ' stale' : ''}`);
  button.type = 'button';
  button.dataset.turn = turn.id;
  button.dataset.n = String(source.n);
  if (nearest) button.dataset.nearest = 'true';
  const location = `${source.folder ? `${source.folder}: ` : ''}${locationOf(source)}`;
  const path = element('span', 'source-path', shortenMiddle(location, MAX_PATH_CHARS));
  const why = whyFound(source);
  button.title = why ? `${location}\n${why}` : location;
  button.append(element('span', 'source-n', `[${source.n}]`), path, element('span', 'source-heading', source.heading));
  if (why) button.append(element('span', 'source-why', why));
  if (source.stale) button.append(element('span', 'stale-badge', 'changed since cited'));
  button.setAttribute(
    'aria-label',
    `Open source ${source.n}${uncited ? ' (not cited)' : ''}: ${location} ${source.heading}${why ? `, ${why}` : ''}${source.stale ? ' (changed since cited)' : ''}`,
  );
  li.append(button);
  return li;
}

/** Why search found a source: the question's words it holds, or related wording when it holds none. */
function whyFound(source: SourceView): string | undefined {
  if (!source.matches) return undefined;
  return source.matches.length ? `matches ${source.matches.join(', ')}` : 'found by related wording';
}

/** An Explain Selection question carries the selection in a fence: it is shown as a code block, not as backticks. */
function renderQuestion(question: string): HTMLElement {
  const box = element('div', 'question');
  const fenced = /^([\s\S]*?)\n\n```[^\n]*\n([\s\S]*?)\n```\s*$/.exec(question);
  if (!fenced) {
    box.textContent = question;
    return box;
  }
  const code = element('pre');
  code.append(element('code', undefined, fenced[2]));
  box.append(element('div', undefined, fenced[1]), code);
  return box;
}

/**
 * Each citation button says how far its source supports its sentence: an unsupported one is styled apart and says
 * so to a screen reader ("[2] does not appear to support this sentence"); a weak one says it partly does.
 */
function markCitations(answer: HTMLElement, markers: MarkerView[] | undefined): void {
  if (!markers?.length) return;
  answer.querySelectorAll<HTMLButtonElement>('button.citation').forEach((button, i) => {
    const marker = markers[i];
    if (!marker || String(marker.n) !== button.dataset.n || marker.grade === 'supported') return;
    const label = marker.grade === 'unsupported' ? unsupportedNote(marker) : `[${marker.n}] supports this sentence only in part`;
    button.classList.add(marker.grade);
    button.setAttribute('aria-label', `${label}. Open source ${marker.n}`);
    button.title = label;
  });
}

function renderTurn(turn: TurnView): HTMLElement {
  const article = element('article', 'turn');
  article.dataset.turn = turn.id;
  article.setAttribute('aria-label', `Question: ${turn.question}`);
  article.append(renderQuestion(turn.question));
  const answer = element('div', 'answer markdown');
  answer.innerHTML = safeHtml(turn.answer);
  markCitations(answer, turn.result?.markers);
  article.append(answer);
  if (streamingId === turn.id && !turn.answer) article.append(element('div', 'thinking', 'Searching your docs…'));
  if (turn.error) {
    const error = element('div', 'error');
    error.setAttribute('role', 'alert');
    error.append(element('span', 'codicon codicon-error'), document.createTextNode(` ${turn.error}`));
    article.append(error);
    // A stopped, failed or cut-off answer can be asked again in one step, as a finished one can.
    if (!turn.result) {
      const bar = element('div', 'answer-actions');
      const retry = element('button', 'icon action-retry');
      retry.type = 'button';
      retry.dataset.turn = turn.id;
      retry.dataset.action = 'retry';
      retry.title = 'Ask again';
      retry.setAttribute('aria-label', 'Ask again');
      retry.append(element('span', 'codicon codicon-refresh'));
      bar.append(retry);
      article.append(bar);
    }
  }
  const result = turn.result;
  if (result) {
    const meta = element('div', `meta verdict-${result.verdict}`);
    meta.append(
      element('span', 'verdict', verdictLabel(result.verdict, (result.markers ?? []).filter((m) => m.grade === 'unsupported').length)),
    );
    if (result.usage && result.usage.promptTokens > 0) {
      const cost =
        result.usage.estimatedCostUsd === undefined ? 'cost unknown for this model' : `~$${result.usage.estimatedCostUsd.toFixed(4)}`;
      meta.append(element('span', 'usage', `${result.usage.promptTokens} + ${result.usage.completionTokens} tokens · ${cost}`));
    }
    meta.append(
      element(
        'span',
        'model',
        [result.provider, result.model, result.styleModel && `style: ${result.styleModel}`].filter(Boolean).join(' · '),
      ),
    );
    article.append(meta);
    for (const note of result.notes) article.append(element('div', 'note', note));
    article.append(answerActions(turn, result));
    if (result.sources.length) {
      // Collapsed to one line so the answer stays in view; the passages it cites come first, the others it was
      // given follow, so a reader checks the claims against the right files.
      const cited = result.sources.filter((source) => result.citations.includes(source.n));
      const uncited = result.sources.filter((source) => !result.citations.includes(source.n));
      const details = element('details', 'sources-box');
      // A turn drawn again (a citation moved or went stale) keeps its sources open if the reader opened them.
      details.open = openSourceBoxes.has(turn.id);
      details.addEventListener('toggle', () => (details.open ? openSourceBoxes.add(turn.id) : openSourceBoxes.delete(turn.id)));
      const summary = element(
        'summary',
        'sources-title',
        `${result.sources.length} source${result.sources.length === 1 ? '' : 's'} · ${cited.length} ${result.verdict === 'offline-extract' ? 'quoted' : 'cited'}`,
      );
      details.append(summary);
      const list = element('ol', 'sources');
      for (const source of cited) list.append(sourceButton(turn, source, false));
      for (const source of uncited) list.append(sourceButton(turn, source, false, true));
      details.append(list);
      article.append(details);
    } else if (result.verdict === 'not-in-docs') {
      article.append(element('div', 'sources-title', result.nearest.length ? 'Nearest sections' : 'No sources'));
      const list = element('ol', 'sources');
      for (const source of result.nearest) list.append(sourceButton(turn, source, true));
      article.append(list);
      const anyway = element('button', 'secondary answer-anyway', 'Answer anyway');
      anyway.type = 'button';
      anyway.dataset.question = turn.question;
      article.append(anyway);
    }
  }
  return article;
}

/** Copy (Markdown with its sources), retry, and 👍/👎 (kept in the workspace for house style). */
function answerActions(turn: TurnView, result: AnswerView): HTMLElement {
  const bar = element('div', 'answer-actions');
  bar.setAttribute('role', 'group');
  bar.setAttribute('aria-label', 'Answer actions');
  const action = (kind: string, icon: string, label: string) => {
    const button = element('button', `icon action-${kind}`);
    button.type = 'button';
    button.dataset.turn = turn.id;
    button.dataset.action = kind;
    button.title = label;
    button.setAttribute('aria-label', label);
    button.append(element('span', `codicon codicon-${icon}`));
    bar.append(button);
    return button;
  };
  action('copy', 'copy', 'Copy the answer as Markdown, with its sources');
  action('retry', 'refresh', 'Ask again');
  if (result.verdict !== 'not-in-docs') {
    action('helpful', 'thumbsup', 'Helpful: keep as a house-style example').setAttribute(
      'aria-pressed',
      String(turn.feedback === 'helpful'),
    );
    action('unhelpful', 'thumbsdown', 'Not helpful').setAttribute('aria-pressed', String(turn.feedback === 'unhelpful'));
  }
  if (result.verdict === 'grounded') action('edit-style', 'edit', 'Edit into house style (kept as an example)');
  return bar;
}

/** "1 file", "2 files". */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function renderEmptyState(): HTMLElement {
  const empty = element('div', 'empty');
  empty.append(element('h2', undefined, 'Ask your docs'));
  const indexed = !status
    ? 'Loading the index…'
    : status.indexing
      ? `Indexing… ${status.files} files so far.`
      : `${plural(status.files, 'file')} indexed (${plural(status.chunks, 'passage')}).`;
  empty.append(element('p', 'indexed', indexed));
  if (status?.modelReady) {
    const model = status.provider === 'vscode' ? "VS Code's model" : `${status.model ?? 'the configured model'}`;
    empty.append(element('p', undefined, `Answers are written by ${model} and cite the exact lines they come from.`));
    return empty;
  }
  empty.append(element('p', undefined, 'Answers cite the exact lines they come from. To have a model write answers, connect one:'));
  const actions = element('div', 'actions');
  for (const [command, label, icon] of [
    ['setApiKey', 'Set API Key', 'key'],
    ['selectModel', "Pick VS Code's models", 'sparkle'],
  ] as const) {
    const button = element('button', 'secondary');
    button.type = 'button';
    button.dataset.command = command;
    button.append(element('span', `codicon codicon-${icon}`), document.createTextNode(` ${label}`));
    actions.append(button);
  }
  empty.append(actions);
  empty.append(element('p', 'hint', 'Or stay offline: you get the most relevant passages, cited, with no key and no network.'));
  return empty;
}

/**
 * While an answer streams, follow its end; once it is done, show it from its question down, so the answer and its
 * verdict are what the reader sees, not the bottom of a source list.
 */
function keepInView(article: HTMLElement): void {
  if (article.dataset.turn === streamingId || typeof article.scrollIntoView !== 'function') log.scrollTop = log.scrollHeight;
  else if (article.offsetHeight > log.clientHeight) article.scrollIntoView({ block: 'start' });
  else log.scrollTop = log.scrollHeight;
}

function renderAll(): void {
  log.replaceChildren(...(turns.length ? turns.map(renderTurn) : [renderEmptyState()]));
  renderStatus();
  log.scrollTop = log.scrollHeight;
}

function renderStatus(): void {
  if (!status) return;
  const model = status.provider === 'offline' ? 'offline extracts' : `${status.provider}${status.model ? ` · ${status.model}` : ''}`;
  const index = status.indexError ? `index error: ${status.indexError}` : status.indexing ? 'indexing…' : `${status.files} files`;
  statusLine.textContent = `${index} · ${model}${status.trusted ? '' : ' · untrusted workspace: nothing is sent'}`;
  sendButton.hidden = Boolean(streamingId);
  stopButton.hidden = !streamingId;
}

function updateTurn(id: string, change: (turn: TurnView) => void): void {
  const turn = turns.find((t) => t.id === id);
  if (!turn) return;
  change(turn);
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    const old = log.querySelector(`article[data-turn="${CSS.escape(id)}"]`);
    const fresh = renderTurn(turn);
    if (old) old.replaceWith(fresh);
    else renderAll();
    keepInView(fresh);
  });
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'state':
      status = message.status;
      turns = message.turns;
      streamingId = message.streamingId;
      renderAll();
      break;
    case 'status':
      status = message.status;
      if (!turns.length) renderAll();
      else renderStatus();
      break;
    case 'start':
      streamingId = message.id;
      if (!turns.some((t) => t.id === message.id)) turns.push({ id: message.id, question: message.question, answer: '' });
      renderAll();
      break;
    case 'delta':
      updateTurn(message.id, (t) => (t.answer += message.text));
      break;
    case 'replace':
      updateTurn(message.id, (t) => (t.answer = message.text));
      break;
    case 'done':
      if (streamingId === message.id) streamingId = undefined;
      updateTurn(message.id, (t) => (t.result = message.result));
      renderStatus();
      break;
    case 'error': {
      const wasStreaming = streamingId === message.id;
      if (wasStreaming) streamingId = undefined;
      updateTurn(message.id, (t) => (t.error = message.message));
      renderStatus();
      // Focus goes back to the ask box, with the question in it when the box is empty, so it can be sent again.
      if (wasStreaming) {
        const question = turns.find((t) => t.id === message.id)?.question;
        if (question && !input.value.trim()) input.value = question;
        input.focus();
      }
      break;
    }
    case 'sources':
      updateTurn(message.id, (t) => {
        if (t.result) t.result.sources = message.sources;
      });
      break;
    case 'focusInput':
      input.focus();
      break;
  }
});

function send(): void {
  const question = input.value.trim();
  if (!question || streamingId) return;
  post({ type: 'ask', question });
  input.value = '';
}

input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});
sendButton.addEventListener('click', send);

// Tab follows reading order (see focusOrder.ts); at either end the browser moves focus out of the panel as usual.
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Tab' || event.altKey || event.ctrlKey || event.metaKey || !document.activeElement) return;
  const order = readingOrder(input.parentElement!, log);
  const next = nextInOrder(order, focusableIn(document.body), document.activeElement, event.shiftKey, input);
  if (!next) return;
  if (!next.leave) event.preventDefault();
  next.target.focus();
  if (!next.leave && next.target.closest('#log')) next.target.scrollIntoView?.({ block: 'nearest' });
});
stopButton.addEventListener('click', () => streamingId && post({ type: 'stop', id: streamingId }));

// One delegated handler for everything clickable inside rendered answers.
log.addEventListener('click', (event) => {
  const target = (event.target as HTMLElement).closest('button, a') as HTMLElement | null;
  if (!target) return;
  const article = target.closest('article') as HTMLElement | null;
  if (target.classList.contains('citation') && article) {
    // Which marker of the answer this is, in order: the host selects the lines that support its sentence.
    const marker = [...article.querySelectorAll('.citation')].indexOf(target);
    post({ type: 'openSource', turnId: article.dataset.turn!, n: Number(target.dataset.n), marker });
  } else if (target.classList.contains('source')) {
    post({ type: 'openSource', turnId: target.dataset.turn!, n: Number(target.dataset.n), nearest: target.dataset.nearest === 'true' });
  } else if (target.dataset.action) {
    const turn = turns.find((t) => t.id === target.dataset.turn);
    if (!turn) return;
    if (target.dataset.action === 'copy') post({ type: 'copy', text: answerAsMarkdown(turn) });
    else if (target.dataset.action === 'retry' && !streamingId) post({ type: 'ask', question: turn.question });
    else if (target.dataset.action === 'edit-style') post({ type: 'editStyle', turnId: turn.id });
    else if (target.dataset.action === 'helpful' || target.dataset.action === 'unhelpful') {
      turn.feedback = target.dataset.action;
      post({ type: 'feedback', turnId: turn.id, helpful: target.dataset.action === 'helpful' });
      updateTurn(turn.id, () => {});
    }
  } else if (target.classList.contains('copy-code')) {
    const code = target.closest('.code-block')?.querySelector('code')?.textContent ?? '';
    post({ type: 'copy', text: code });
    target.setAttribute('aria-label', 'Copied');
  } else if (target.classList.contains('answer-anyway')) {
    post({ type: 'ask', question: target.dataset.question!, answerAnyway: true });
  } else if (target.dataset.command) {
    post({ type: 'command', command: target.dataset.command as PanelCommand });
  } else if (target.classList.contains('external-link')) {
    event.preventDefault();
    post({ type: 'openLink', url: target.dataset.href ?? '' });
  }
});

post({ type: 'ready' });
