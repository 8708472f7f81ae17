import type { Locator, Page } from 'playwright-core';

/**
 * VS Code's own Chat view, driven as a user does: the test-only chat harness (test/e2e/chatHarness) puts a model
 * backed by the loopback server in its picker, so participants and tools run without Copilot or the network.
 */
const TIMEOUT = 60_000;

export async function openChatView(page: Page, runCommand: (page: Page, title: string) => Promise<void>): Promise<void> {
  // Ask mode: the mode a participant is asked in (agent mode itself belongs to Copilot, which is not here).
  await runCommand(page, 'Chat: Open Chat (Ask)');
  const input = page.locator('.interactive-input-part .interactive-input-editor').first();
  await input.waitFor({ timeout: TIMEOUT });
  const picker = page.locator('.interactive-input-part .model-picker-item').first();
  if (!/Loopback \(e2e\)/.test(await picker.innerText())) {
    await picker.click();
    await page.locator('.monaco-list-row, .action-list-item', { hasText: 'Loopback (e2e)' }).first().click({ timeout: TIMEOUT });
  }
  await picker.filter({ hasText: 'Loopback (e2e)' }).waitFor({ timeout: TIMEOUT });
}

/**
 * Types a request into the Chat view (replacing what the input holds), sends it, and returns its reply once it has
 * finished, found by what it says: the chat list draws only the replies in view, so counting them does not work.
 */
export async function askInChatView(page: Page, text: string, replySays: string | RegExp): Promise<Locator> {
  await page.locator('.interactive-input-part .interactive-input-editor .monaco-editor').first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // `@name` and `#name` open a suggestion list that a space or Enter would accept (possibly another entry): each is
  // typed whole, then the list is closed, so the text sent is the text written.
  for (const [i, word] of text.split(' ').entries()) {
    await page.keyboard.type(i ? ` ${word}` : word, { delay: 20 });
    if (/^[@#]/.test(word)) {
      await page.waitForTimeout(300);
      await page.keyboard.press('Escape');
    }
  }
  await page.keyboard.press('Enter');
  const response = page.locator('.interactive-item-container.interactive-response', { hasText: replySays }).last();
  await response.waitFor({ timeout: TIMEOUT });
  await page.waitForFunction((el) => !el.classList.contains('chat-response-loading'), await response.elementHandle(), { timeout: TIMEOUT });
  return response;
}
