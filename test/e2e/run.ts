/**
 * `npm run test:e2e`: Groundwork in a real VS Code (code-server), driven through Debian's chromium by
 * playwright-core, step by step as a user would. Screenshots of every step go to test-results/.
 */
import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import {
  freePort,
  installChatHarness,
  installGroundwork,
  launchChromium,
  provision,
  QUIET_SETTINGS,
  startCodeServer,
  waitForHttp,
} from '../../scripts/e2e/codeServer';
import { LoopbackOpenAI } from '../support/loopbackOpenAI';
import { openByQuickOpen, runCommand } from '../../scripts/e2e/workbench';
import { askInChatView, openChatView } from './chatView';
import { createWorkspace } from './workspace';

const ROOT = path.resolve(__dirname, '../..');
const E2E = path.join(ROOT, '.e2e');
const RESULTS = path.join(ROOT, 'test-results');

const TIMEOUT = 60_000;

const steps: Array<{ name: string; ok: boolean; error?: string }> = [];

/** While working on a step: `GROUNDWORK_E2E_ONLY=regex` runs only the steps whose names match (the rest are skipped, and the run fails). */
const only = process.env.GROUNDWORK_E2E_ONLY ? new RegExp(process.env.GROUNDWORK_E2E_ONLY) : undefined;

async function step(page: Page, name: string, run: () => Promise<void>): Promise<void> {
  if (only && !only.test(name)) {
    steps.push({ name, ok: false, error: 'skipped by GROUNDWORK_E2E_ONLY' });
    return;
  }
  const index = steps.length + 1;
  process.stdout.write(`step ${index}: ${name} … `);
  try {
    await run();
    steps.push({ name, ok: true });
    console.log('ok');
  } catch (error) {
    steps.push({ name, ok: false, error: (error as Error).message });
    console.log(`FAILED\n  ${(error as Error).message.split('\n')[0]}`);
  } finally {
    await page
      .screenshot({
        path: path.join(RESULTS, `step-${String(index).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`),
      })
      .catch(() => {});
  }
}

/** The webview's page is one of the page's frames: the one that holds the ask box. */
async function chatFrame(page: Page): Promise<Frame> {
  const deadline = Date.now() + TIMEOUT;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (await frame.$('#question').catch(() => null)) return frame;
    }
    await page.waitForTimeout(500);
  }
  throw new Error('the Groundwork chat panel did not appear');
}

/** Opens a file by Quick Open, as a user does, and selects all of it. */
async function selectAllOf(page: Page, file: string): Promise<void> {
  await openByQuickOpen(page, file);
  await page.keyboard.press('Control+A');
}

async function ask(frame: Frame, question: string): Promise<number> {
  const before = await frame.locator('article.turn').count();
  await frame.locator('#question').fill(question);
  await frame.locator('#question').press('Enter');
  await frame.locator('article.turn').nth(before).locator('.meta, .error').first().waitFor({ timeout: TIMEOUT });
  return before;
}

/** Clicks the newest answer's first citation and reads the line the editor's selection starts at. */
async function lineSelectedByFirstCitation(page: Page, frame: Frame): Promise<number> {
  await frame.locator('article.turn').last().locator('button.citation').first().click();
  const item = page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+ \(\d+ selected\)/ }).first();
  await item.waitFor({ timeout: TIMEOUT });
  return Number(/Ln (\d+)/.exec(await item.innerText())?.[1]);
}

async function main(): Promise<void> {
  await fs.mkdir(RESULTS, { recursive: true });
  provision();

  const model = await new LoopbackOpenAI().start();
  model.defaultReply = (request) => {
    const last = String(request.body?.messages?.at(-1)?.content ?? '');
    if (last.includes('Explain this'))
      return { chunks: ['This code builds a Widgetron client ', 'that retries failed requests five times [1].'] };
    if (last.includes('bananas')) return { content: 'The quantum flux regulator needs seven bananas [1].' };
    return {
      chunks: ['Set `max_retries` when you create the client ', '[1]. Failed requests are retried ', 'with exponential backoff [1].'],
    };
  };

  const port = await freePort();
  const workspace = path.join(E2E, 'workspace');
  const userData = path.join(E2E, 'user-data');
  const extensions = path.join(E2E, 'extensions');
  await createWorkspace(workspace);
  await fs.rm(userData, { recursive: true, force: true });
  await fs.rm(extensions, { recursive: true, force: true });
  await fs.mkdir(path.join(userData, 'User'), { recursive: true });
  const userSettings = {
    'groundwork.model.baseUrl': model.baseURL,
    'groundwork.model.chatModel': 'gpt-4o-mini',
    ...QUIET_SETTINGS,
    // The Chat view steps: VS Code's chat with the harness's model (no Copilot, nothing leaves the machine).
    'chat.disableAIFeatures': false,
  };
  await fs.writeFile(path.join(userData, 'User', 'settings.json'), JSON.stringify(userSettings));
  // The house-style job is polled every second here, not every 30 s.
  process.env.GROUNDWORK_POLL_MS = '1000';
  installGroundwork({ extensions, userData });
  installChatHarness({ extensions, userData });

  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  try {
    server = startCodeServer({ extensions, userData }, port, workspace, ['ignore', 'pipe', 'pipe']);
    const serverLog: string[] = [];
    server.stdout?.on('data', (d) => serverLog.push(String(d)));
    server.stderr?.on('data', (d) => serverLog.push(String(d)));
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: TIMEOUT });
    // The workbench is drawn before extensions register their commands: wait for ours in the status bar.
    await page.locator('.statusbar-item', { hasText: 'Groundwork' }).first().waitFor({ timeout: TIMEOUT });
    await page.waitForTimeout(2000);
    let frame!: Frame;

    await step(page, 'the Groundwork panel opens and reports the index built', async () => {
      await runCommand(page, 'Groundwork: Ask');
      frame = await chatFrame(page);
      await frame
        .locator('#status')
        .filter({ hasText: /\b[5-9] files\b/ })
        .waitFor({ timeout: TIMEOUT });
      await frame
        .locator('.empty .indexed')
        .filter({ hasText: /files indexed/ })
        .waitFor({ timeout: TIMEOUT });
    });

    await step(page, 'an answer streams from the model with citations and sources', async () => {
      await runCommand(page, 'Groundwork: Set API Key');
      await page.locator('.quick-input-widget input[type="password"]').waitFor({ timeout: TIMEOUT });
      await page.keyboard.type('sk-e2e-test-key');
      await page.keyboard.press('Enter');
      frame = await chatFrame(page);
      await frame.locator('#status', { hasText: 'openai · gpt-4o-mini' }).waitFor({ timeout: TIMEOUT });
      const turn = await ask(frame, 'How do I configure max_retries for the Widgetron client?');
      const article = frame.locator('article.turn').nth(turn);
      await article.locator('.verdict', { hasText: 'Grounded in your docs' }).waitFor({ timeout: TIMEOUT });
      if ((await article.locator('button.citation').count()) < 1) throw new Error('no [n] citation in the answer');
      // The answer and its verdict stay in view once it is done; the sources wait, collapsed to one line.
      const verdictInView = await article.locator('.verdict').evaluate((el) => {
        const log = document.getElementById('log')!.getBoundingClientRect();
        const box = el.getBoundingClientRect();
        return box.top >= log.top && box.bottom <= log.bottom;
      });
      if (!verdictInView) throw new Error('the verdict is scrolled out of view after the answer completed');
      await openSources(article);
      await article.locator('button.source', { hasText: 'docs/guide/retries.rst' }).first().waitFor({ timeout: TIMEOUT });
      const sent = model.requests.filter((r) => r.path.endsWith('/chat/completions'));
      if (!sent.length || sent.at(-1)!.headers.authorization !== 'Bearer sk-e2e-test-key')
        throw new Error('the request did not carry the key set through the command');
    });

    await step(page, 'clicking [1] opens the file with the cited lines selected', async () => {
      await frame.locator('article.turn').last().locator('button.citation').first().click();
      await page.locator('.tab.active', { hasText: 'retries.rst' }).waitFor({ timeout: TIMEOUT });
      await page.locator('.statusbar', { hasText: /selected/ }).waitFor({ timeout: TIMEOUT });
    });

    await step(page, 'lines typed above a cited passage move its citation with it; undoing them moves it back', async () => {
      const article = frame.locator('article.turn').last();
      const cited = (from: number) => article.locator(`button.source[title^="docs/guide/retries.rst:${from}-"]`).first();
      await cited(1).waitFor({ state: 'attached', timeout: TIMEOUT });
      const before = await lineSelectedByFirstCitation(page, frame);
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+Home');
      await page.keyboard.type('A new first line.');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await cited(3).waitFor({ state: 'attached', timeout: TIMEOUT });
      const after = await lineSelectedByFirstCitation(page, frame);
      if (after !== before + 2)
        throw new Error(`the citation selected line ${after}, not ${before + 2}, after two lines were added above it`);
      await page.locator('.monaco-editor .view-lines').first().click();
      // Undone word by word: on the way the cited text is broken (stale), then whole again where it was.
      for (let i = 0; i < 10; i++) await page.keyboard.press('Control+Z');
      await article
        .locator('button.source:not(.stale)[title^="docs/guide/retries.rst:1-"]')
        .waitFor({ state: 'attached', timeout: TIMEOUT });
    });

    await step(
      page,
      'an answer given while the cited doc has unsaved lines above the passage selects the text where the editor shows it',
      async () => {
        const saved = await lineSelectedByFirstCitation(page, frame);
        await page.locator('.monaco-editor .view-lines').first().click();
        await page.keyboard.press('Control+Home');
        await page.keyboard.press('Enter');
        await page.keyboard.press('Enter');
        // Not saved: the index still holds the file as it is on disk.
        const turn = await ask(frame, 'How do I configure max_retries for the Widgetron client?');
        await frame.locator('article.turn').nth(turn).locator('.verdict').waitFor({ timeout: TIMEOUT });
        const unsaved = await lineSelectedByFirstCitation(page, frame);
        if (unsaved !== saved + 2)
          throw new Error(`the citation selected line ${unsaved}, not ${saved + 2}, with two unsaved lines above it`);
        await page.locator('.monaco-editor .view-lines').first().click();
        for (let i = 0; i < 4; i++) await page.keyboard.press('Control+Z');
      },
    );

    await step(page, 'Explain Selection on a code file answers in the panel with citations', async () => {
      await selectAllOf(page, 'client.py');
      const before = await frame.locator('article.turn').count();
      await runCommand(page, 'Groundwork: Explain Selection');
      const article = frame.locator('article.turn').nth(before);
      await article.locator('.verdict').waitFor({ timeout: TIMEOUT });
      await article.locator('.question', { hasText: 'Explain this python from src/client.py' }).waitFor({ timeout: TIMEOUT });
      if ((await article.locator('button.citation').count()) < 1) throw new Error('the explanation has no citation');
    });

    await step(
      page,
      'hovering a compound name in code (max_retries) shows the passage that documents it, and its link opens the doc',
      async () => {
        // The token itself, not the line around it: the hover is for the name under the pointer.
        const word = page.locator('.monaco-editor .view-line span span', { hasText: /^max_retries$/ }).first();
        await word.hover();
        const hover = page.locator('.monaco-hover', { hasText: 'Groundwork' });
        await hover.waitFor({ timeout: TIMEOUT });
        await hover.locator('strong', { hasText: 'max_retries' }).first().waitFor({ timeout: TIMEOUT });
        await hover.locator('a', { hasText: 'retries' }).first().click();
        await page.locator('.tab.active', { hasText: 'retries.rst' }).waitFor({ timeout: TIMEOUT });
      },
    );

    await step(page, 'editing a doc, then asking about the new text, finds it', async () => {
      await fs.appendFile(path.join(workspace, 'docs/api/notes.txt'), '\nThe quantum flux regulator needs seven bananas to start.\n');
      await page.waitForTimeout(2500);
      const turn = await ask(frame, 'How many bananas does the quantum flux regulator need?');
      const article = frame.locator('article.turn').nth(turn);
      await article.locator('.verdict').waitFor({ timeout: TIMEOUT });
      await openSources(article);
      await article.locator('button.source', { hasText: 'docs/api/notes.txt' }).first().waitFor({ timeout: TIMEOUT });
    });

    await step(
      page,
      'an answer cut off mid-stream says so, keeps what arrived, and offers Ask again with the question back in the box',
      async () => {
        model.enqueue({ chunks: ['Set `max_retries` when ', 'you create'], cutOff: true });
        const question = 'How do I configure max_retries once more?';
        const turn = await ask(frame, question);
        const article = frame.locator('article.turn').nth(turn);
        await article.locator('.error', { hasText: 'The answer was cut off' }).waitFor({ timeout: TIMEOUT });
        await article.locator('.answer', { hasText: 'when you create' }).waitFor({ timeout: TIMEOUT });
        if (await article.locator('.verdict').count()) throw new Error('a cut-off answer is shown with a verdict, as if complete');
        await article.locator('button.action-retry').waitFor({ timeout: TIMEOUT });
        if ((await frame.locator('#question').inputValue()) !== question) throw new Error('the question is not back in the ask box');
        await frame.locator('#question').fill('');
      },
    );

    await step(page, 'renaming the docs folder keeps every file indexed, and answers cite the new paths', async () => {
      const files = async () => Number(/(\d+) files?/.exec((await frame.locator('#status').textContent()) ?? '')?.[1] ?? -1);
      const before = await files();
      await fs.rename(path.join(workspace, 'docs'), path.join(workspace, 'documentation'));
      try {
        await page.waitForTimeout(4000);
        // Whatever the scripted model writes, the sources sent with the answer are the index's: at the new paths.
        const turn = await ask(frame, 'Where is the retry policy for the Widgetron client described?');
        const article = frame.locator('article.turn').nth(turn);
        await article.locator('.verdict').waitFor({ timeout: TIMEOUT });
        await openSources(article);
        // A long path is shortened in its middle in the list (the whole path is in its tooltip).
        await article
          .locator('button.source', { hasText: /documentation.*retries\.rst/ })
          .first()
          .waitFor({ timeout: TIMEOUT });
        if (await article.locator('button.source', { hasText: /^\s*\[\d+\]\s*docs\// }).count())
          throw new Error('a source still has its old path');
        if ((await files()) !== before) throw new Error(`${await files()} files indexed after the rename, ${before} before`);
      } finally {
        await fs.rename(path.join(workspace, 'documentation'), path.join(workspace, 'docs'));
        await page.waitForTimeout(4000);
      }
    });

    await step(
      page,
      'a citation whose source does not say its sentence is shown unsupported and opens its passage, not evidence lines',
      async () => {
        model.enqueue({ content: 'Set `max_retries` when you create the client [1]. The quantum flux regulator needs seven bananas [1].' });
        const turn = await ask(frame, 'How do I configure max_retries for the Widgetron client?');
        const article = frame.locator('article.turn').nth(turn);
        await article.locator('.verdict', { hasText: /Partly grounded/ }).waitFor({ timeout: TIMEOUT });
        const citations = article.locator('button.citation');
        if ((await citations.count()) !== 2) throw new Error(`${await citations.count()} citations, not 2`);
        if (await citations.nth(0).evaluate((b) => b.classList.contains('unsupported')))
          throw new Error('the right citation is marked unsupported');
        const wrong = citations.nth(1);
        if (!(await wrong.evaluate((b) => b.classList.contains('unsupported'))))
          throw new Error('the wrong citation is not marked unsupported');
        if (!/does not appear to support this sentence/.test((await wrong.getAttribute('aria-label')) ?? ''))
          throw new Error(`the wrong citation's label is "${await wrong.getAttribute('aria-label')}"`);
        await openSources(article);
        const passage = /:(\d+)-(\d+)/.exec((await article.locator('button.source').first().getAttribute('title')) ?? '');
        // The status bar shows where the selection ends and how much it holds; read it once it has changed.
        const selectionAfter = async (citation: import('playwright-core').Locator) => {
          const status = page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
          const before = await status.innerText().catch(() => '');
          await citation.click();
          await page.waitForFunction(
            (previous) =>
              [...document.querySelectorAll('.statusbar-item')].some(
                (el) => /Ln \d+, Col \d+ \(\d+ selected\)/.test(el.textContent ?? '') && el.textContent !== previous,
              ),
            before,
            { timeout: TIMEOUT },
          );
          const text = await page
            .locator('.statusbar-item', { hasText: /\(\d+ selected\)/ })
            .first()
            .innerText();
          return { line: Number(/Ln (\d+)/.exec(text)?.[1]), chars: Number(/\((\d+) selected\)/.exec(text)?.[1]) };
        };
        const evidence = await selectionAfter(citations.nth(0));
        const whole = await selectionAfter(wrong);
        await page.locator('.notification-toast', { hasText: 'Its whole passage is shown' }).first().waitFor({ timeout: TIMEOUT });
        // The whole passage is selected (ending at its last line), not a line of evidence.
        if (!passage || whole.line !== Number(passage[2]) || whole.chars <= evidence.chars)
          throw new Error(
            `the wrong citation selected ${whole.chars} characters to line ${whole.line} (passage ${passage?.[0]}; evidence ${evidence.chars} to line ${evidence.line})`,
          );
      },
    );

    await step(
      page,
      'Explain Selection while an answer is on its way replaces it and says so; Stop and Send then belong to the answer on screen',
      async () => {
        // The first answer waits on a slow model (nothing has arrived yet) when the explanation replaces it.
        model.enqueue({ hangMs: 20_000, content: 'Set `max_retries` when you create the client [1].' });
        const before = await frame.locator('article.turn').count();
        await frame.locator('#question').fill('How do I configure max_retries, slowly?');
        await frame.locator('#question').press('Enter');
        const first = frame.locator('article.turn').nth(before);
        await first.locator('.thinking').waitFor({ timeout: TIMEOUT });
        await frame.locator('#stop').waitFor({ state: 'visible', timeout: TIMEOUT });
        await selectAllOf(page, 'client.py');
        await runCommand(page, 'Groundwork: Explain Selection');
        await first.locator('.error', { hasText: 'the next question replaced it' }).waitFor({ timeout: TIMEOUT });
        const second = frame.locator('article.turn').nth(before + 1);
        const asked = model.requests.length;
        await second
          .locator('.verdict')
          .waitFor({ timeout: TIMEOUT })
          .catch(async (error: Error) => {
            const seen = model.requests
              .slice(asked - 2)
              .map((r) => `${r.method} ${r.path} ${String(r.body?.messages?.at(-1)?.content ?? '').slice(0, 40)}`);
            const shown = (await second.innerText().catch(() => '')).replace(/\s+/g, ' ').slice(-200);
            throw new Error(
              `the explanation did not finish (${error.message.split('\n')[0]}); the model server saw: ${seen.join(' | ')}; the turn shows: ${shown}`,
            );
          });
        if (await frame.locator('#stop').isVisible()) throw new Error('Stop is still shown with no answer streaming');
        if (!(await frame.locator('#send').isVisible())) throw new Error('Send did not come back');
      },
    );

    await step(page, 'with no key, the answer is the offline extract, labelled as such', async () => {
      await runCommand(page, 'Groundwork: Clear API Key');
      await runCommand(page, 'Groundwork: Select Model');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Offline' }).first().click();
      await frame.locator('#status', { hasText: 'offline extracts' }).waitFor({ timeout: TIMEOUT });
      const turn = await ask(frame, 'How many gigawatts does the flux capacitor need?');
      const article = frame.locator('article.turn').nth(turn);
      await article.locator('.verdict', { hasText: 'Offline extract' }).waitFor({ timeout: TIMEOUT });
      await article.locator('.answer', { hasText: 'Extracts from your docs' }).waitFor({ timeout: TIMEOUT });
    });

    await step(page, 'a doc with script and HTML payloads renders as text, and nothing runs', async () => {
      const turn = await ask(frame, 'What does the pipeline payload test page hold?');
      const article = frame.locator('article.turn').nth(turn);
      await article.locator('.answer', { hasText: '<script>window.__pwned = 1</script>' }).waitFor({ timeout: TIMEOUT });
      const pwned = await frame.evaluate(() => (window as unknown as { __pwned?: number }).__pwned);
      if (pwned !== undefined) throw new Error(`a payload ran (window.__pwned = ${pwned})`);
      const live = await frame.evaluate(
        () => document.querySelectorAll('#log script, #log img, #log iframe, #log [onerror], #log [onclick]').length,
      );
      if (live) throw new Error(`${live} live element(s) rendered from the doc`);
    });

    await step(page, 'a citation into a notebook opens the notebook editor at its cell, not the raw JSON', async () => {
      const turn = await ask(frame, 'How do I tune the quantum sprocket?');
      const article = frame.locator('article.turn').nth(turn);
      await article.locator('.verdict').waitFor({ timeout: TIMEOUT });
      await article.locator('button.citation').first().click();
      await page.locator('.tab.active', { hasText: 'tour.ipynb' }).waitFor({ timeout: TIMEOUT });
      await page.locator('.notebookOverlay').first().waitFor({ timeout: TIMEOUT });
      const rawJson = await page.locator('.monaco-editor .view-line', { hasText: '"cell_type"' }).count();
      if (rawJson) throw new Error('the notebook opened as raw JSON');
    });

    await step(page, 'at a 280 px sidebar nothing in the panel scrolls sideways, with every source list open', async () => {
      const sidebar = page.locator('.part.sidebar');
      const box = (await sidebar.boundingBox())!;
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + box.width, y);
      await page.mouse.down();
      await page.mouse.move(box.x + 200, y, { steps: 5 });
      await page.mouse.move(box.x + 280, y, { steps: 5 });
      await page.mouse.up();
      const width = (await sidebar.boundingBox())!.width;
      if (Math.abs(width - 280) > 12) throw new Error(`the sidebar is ${width} px wide, not 280`);
      await frame.evaluate(() => document.querySelectorAll('details').forEach((d) => ((d as HTMLDetailsElement).open = true)));
      await page.waitForTimeout(300);
      const overflow = await frame.evaluate(() => {
        const log = document.getElementById('log')!;
        const page = document.scrollingElement!;
        return { log: log.scrollWidth - log.clientWidth, page: page.scrollWidth - page.clientWidth, view: innerWidth };
      });
      if (overflow.view > 290) throw new Error(`the panel is ${overflow.view} px wide`);
      if (overflow.log > 0 || overflow.page > 0)
        throw new Error(`the panel scrolls sideways by ${Math.max(overflow.log, overflow.page)} px at ${overflow.view} px`);
    });

    await step(page, 'keyboard: Tab from the ask box reaches the newest answer; Shift+Tab goes back into it', async () => {
      const newestHasFocus = () =>
        frame.evaluate(() => {
          const turns = document.querySelectorAll('article.turn');
          return Boolean(
            document.activeElement?.closest('article') && document.activeElement.closest('article') === turns[turns.length - 1],
          );
        });
      await frame.locator('#question').focus();
      await page.keyboard.press('Shift+Tab');
      if (!(await newestHasFocus())) throw new Error('Shift+Tab from the ask box left the newest answer');
      await frame.locator('#question').focus();
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      if (!(await newestHasFocus())) throw new Error('Tab from the ask box did not reach the newest answer');
      const first = await frame.evaluate(() => document.activeElement?.className);
      if (!/citation|action/.test(first ?? '')) throw new Error(`the first control reached is "${first}"`);
    });

    await step(
      page,
      "@groundwork in VS Code's Chat view: its pills open the exact lines, and the closing line names what they show",
      async () => {
        await openChatView(page, runCommand);
        model.enqueue({
          content: 'Set `max_retries` when you create the client [1]. Failed requests are retried with exponential backoff [1].',
        });
        const response = await askInChatView(
          page,
          '@groundwork How do I configure max_retries for the Widgetron client?',
          /cites retries\.rst/,
        );
        const pills = await response.locator('.chat-inline-anchor-widget').allInnerTexts();
        if (!pills.length) throw new Error('the reply has no anchors');
        const closing = await response
          .locator('em', { hasText: /Grounded in your docs/ })
          .first()
          .innerText();
        for (const pill of pills) {
          const file = pill.split(':')[0].trim();
          if (!closing.includes(`cites ${file}`)) throw new Error(`the closing line "${closing}" does not name ${file}, shown as a pill`);
        }
        if (/\[\d+\]/.test(await response.innerText())) throw new Error('a bare [n] is shown, which no pill or list explains');
        if (await page.getByText('Starting MCP servers').count()) throw new Error('the question waited on starting MCP servers');
        const line = Number(pills[0].split(':')[1]);
        await response.locator('.chat-inline-anchor-widget').first().click();
        await page.locator('.tab.active', { hasText: 'retries.rst' }).waitFor({ timeout: TIMEOUT });
        const selected = page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+ \(\d+ selected\)/ }).first();
        await selected.waitFor({ timeout: TIMEOUT });
        const at = Number(/Ln (\d+)/.exec(await selected.innerText())?.[1]);
        if (at !== line) throw new Error(`the pill ${pills[0]} selected line ${at}`);
        // A citation whose source does not say its sentence is said to be one, beside its pill.
        model.enqueue({ content: 'The quantum flux regulator needs seven bananas [1].' });
        const wrong = await askInChatView(
          page,
          '@groundwork How do I configure max_retries for the Widgetron client?',
          /this source does not appear to support the sentence/,
        );
        await wrong
          .getByText(/this source does not appear to support the sentence/)
          .first()
          .waitFor({ timeout: TIMEOUT });
        await wrong.locator('em', { hasText: /Partly grounded: 1 citation does not support its sentence/ }).waitFor({ timeout: TIMEOUT });
      },
    );

    await step(page, "an agent's #docs call in the Chat view gets covered: false for an off-topic question", async () => {
      // The harness's @agent runs agent mode's loop: the model calls #docs, the tool runs through vscode.lm.invokeTool.
      await askInChatView(page, '@agent #docs What is the capital of France?', 'Tool groundwork_searchDocs returned covered: false');
    });

    await step(page, 'Train House Style starts a job that is still followed after a reload, and offers Evaluate', async () => {
      model.holdJobs = true;
      await runCommand(page, 'Groundwork: Train House Style');
      // The command palette's input is the same widget: wait for the base model's own box, or Enter can land in
      // the palette while it closes and the box then waits forever.
      const baseModelBox = page.locator('.quick-input-widget', { hasText: 'base model to fine-tune' });
      await baseModelBox.waitFor({ state: 'visible', timeout: TIMEOUT });
      await baseModelBox.locator('input').press('Enter');
      await baseModelBox.waitFor({ state: 'hidden', timeout: TIMEOUT });
      await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Train' }).click({ timeout: TIMEOUT });
      const following = (id: string) => page.locator('.notification-toast', { hasText: `training house style (${id}` });
      await following('ftjob-').first().waitFor({ timeout: TIMEOUT });
      const jobId = [...model.jobs.keys()].at(-1);
      if (!jobId || model.files.size < 2) throw new Error(`no job (${jobId}) or files (${model.files.size}) on the endpoint`);
      // The window keeps its workspace state in the browser; give it a moment to store the job before reloading.
      await page.waitForTimeout(2000);
      const polledBefore = model.requests.length;
      await page.reload();
      await page.locator('.monaco-workbench').waitFor({ timeout: TIMEOUT });
      const polls = () => model.requests.slice(polledBefore).filter((r) => r.path.endsWith(`/fine_tuning/jobs/${jobId}`)).length;
      await following(jobId)
        .first()
        .waitFor({ timeout: TIMEOUT })
        .catch((error: Error) => {
          throw new Error(`no progress notification after the reload (${polls()} polls of ${jobId} since): ${error.message}`);
        });
      if (!polls()) throw new Error('the job was not polled after the reload');
      model.holdJobs = false;
      const done = page.locator('.notification-toast', { hasText: 'is trained' });
      await done.first().waitFor({ timeout: TIMEOUT });
      await done.locator('.monaco-button', { hasText: 'Evaluate' }).first().waitFor({ timeout: TIMEOUT });
    });

    await step(page, 'an untrusted workspace cannot train: nothing is uploaded', async () => {
      await fs.writeFile(
        path.join(userData, 'User', 'settings.json'),
        JSON.stringify({ ...userSettings, 'security.workspace.trust.enabled': true }),
      );
      await page.waitForTimeout(1000);
      await page.reload();
      await page.locator('.monaco-workbench').waitFor({ timeout: TIMEOUT });
      // Restricted Mode, whether VS Code asks first (then the answer is no) or opens the folder restricted at once.
      const distrust = page.locator('.monaco-dialog-box .monaco-button', { hasText: /No, I don.t trust/ });
      const restricted = page.locator('.statusbar-item', { hasText: 'Restricted Mode' });
      await restricted.or(distrust).first().waitFor({ timeout: TIMEOUT });
      if (await distrust.count()) await distrust.first().click();
      await restricted.first().waitFor({ timeout: TIMEOUT });
      await page.locator('.statusbar-item', { hasText: 'Groundwork' }).first().waitFor({ timeout: TIMEOUT });
      const uploads = model.files.size;
      await runCommand(page, 'Groundwork: Train House Style');
      await page.locator('.notification-toast', { hasText: 'trust this workspace first' }).first().waitFor({ timeout: TIMEOUT });
      if (model.files.size !== uploads) throw new Error('an untrusted workspace uploaded its examples');
    });

    await step(page, "multi-root: a folder's own exclude keeps its files out of the index and out of every answer", async () => {
      const multi = path.join(E2E, 'multi-root');
      await fs.rm(multi, { recursive: true, force: true });
      const files: Record<string, string> = {
        'alpha/docs/launch.md': '# Launch\n\nThe zephyr launch checklist lives in the vault runbook.\n',
        'beta/public.md': '# Public notes\n\nZephyr launches happen on Tuesdays.\n',
        'beta/secret/plan.md': '# Plan\n\nThe zephyr launch code is 7734-ALPHA-TANGO.\n',
        'beta/.vscode/settings.json': JSON.stringify({ 'groundwork.index.exclude': ['secret/**'] }),
        'multi.code-workspace': JSON.stringify({ folders: [{ path: 'alpha' }, { path: 'beta' }] }),
      };
      for (const [name, text] of Object.entries(files)) {
        await fs.mkdir(path.dirname(path.join(multi, name)), { recursive: true });
        await fs.writeFile(path.join(multi, name), text);
      }
      await fs.writeFile(path.join(userData, 'User', 'settings.json'), JSON.stringify(userSettings));
      await page.goto(`http://127.0.0.1:${port}/?workspace=${encodeURIComponent(path.join(multi, 'multi.code-workspace'))}`);
      await page.locator('.statusbar-item', { hasText: 'Groundwork' }).first().waitFor({ timeout: TIMEOUT });
      await runCommand(page, 'Groundwork: Ask');
      frame = await chatFrame(page);
      await frame
        .locator('#status')
        .filter({ hasText: /\b2 files\b/ })
        .waitFor({ timeout: TIMEOUT });
      const turn = await ask(frame, 'What is the zephyr launch code?');
      const article = frame.locator('article.turn').nth(turn);
      await article.locator('.meta, .error').first().waitFor({ timeout: TIMEOUT });
      if (/7734/.test(await article.innerText())) throw new Error("the excluded file's text is in the answer");
      if (await article.locator('button.source', { hasText: 'plan.md' }).count()) throw new Error('the excluded file is a source');
    });

    if (steps.some((s) => !s.ok)) console.log(`\ncode-server log (tail):\n${serverLog.join('').split('\n').slice(-30).join('\n')}`);
  } finally {
    await browser?.close();
    server?.kill();
    await model.stop();
  }
  const failed = steps.filter((s) => !s.ok);
  console.log(`\n${steps.length - failed.length} of ${steps.length} steps passed; screenshots in test-results/`);
  for (const f of failed) console.log(`FAILED: ${f.name}: ${f.error}`);
  if (failed.length || steps.length < 22) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

/** Opens an answer's sources box (collapsed to one line by default). */
async function openSources(article: import('playwright-core').Locator): Promise<void> {
  const summary = article.locator('details.sources-box > summary');
  await summary.waitFor({ timeout: TIMEOUT });
  if (!(await article.locator('details.sources-box').evaluate((d) => (d as HTMLDetailsElement).open))) await summary.click();
}
