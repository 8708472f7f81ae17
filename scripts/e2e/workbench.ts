import type { Page } from 'playwright-core';

/** How long a step of the workbench (a palette, a list, a tab) may take to appear. */
const WORKBENCH_TIMEOUT_MS = 60_000;

/** Runs a command from the command palette, as a user does. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: WORKBENCH_TIMEOUT_MS });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ timeout: WORKBENCH_TIMEOUT_MS });
  await row.click();
}

/** Opens a file by Quick Open, as a user does, and puts the cursor in its editor. */
export async function openByQuickOpen(page: Page, file: string): Promise<void> {
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill(file);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: file }).first().waitFor({ timeout: WORKBENCH_TIMEOUT_MS });
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: file }).waitFor({ timeout: WORKBENCH_TIMEOUT_MS });
  await page.locator('.monaco-editor .view-lines').first().click();
}
