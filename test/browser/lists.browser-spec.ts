import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createApp } from '../../apps/api/src/app.js';
import { loadConfig, projectRoot } from '../../apps/api/src/config.js';

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Every wait in this file is bounded by this. */
const waitMs = 15_000;
const artifacts = path.join(projectRoot, 'test/artifacts');

if (!hasChromium && !process.env.CI) {
  process.stdout.write('skipped: chromium not installed (apt-get install -y chromium)\n');
}
// Locally a missing browser skips the suite; in CI it must fail, loudly, in beforeAll.
const describeInBrowser = hasChromium || process.env.CI ? describe : describe.skip;

/** What a person does first: open the app, sign in by name, and go to the lists. */
async function openLists(page: Page, baseUrl: string, name: string): Promise<void> {
  await page.goto(baseUrl, { timeout: waitMs });
  await page.getByTestId('signin-name').fill(name, { timeout: waitMs });
  await page.getByTestId('signin-submit').click({ timeout: waitMs });
  await page.getByTestId('section-lists').click({ timeout: waitMs });
  await page.locator('[data-testid="connection-badge"][data-state="connected"]').waitFor({ timeout: waitMs });
}

function item(page: Page, text: string) {
  return page.getByTestId('item').filter({ has: page.getByTestId('item-text').getByText(text, { exact: true }) });
}

/** Waits until the list shows exactly these texts, in this order. */
async function showsItems(page: Page, expected: string[]): Promise<void> {
  const deadline = Date.now() + waitMs;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    seen = await page
      .getByTestId('item-text')
      .allInnerTexts()
      .then((texts) => texts.map((text) => text.trim()))
      .catch(() => seen);
    if (JSON.stringify(seen) === JSON.stringify(expected)) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`the list shows ${JSON.stringify(seen)}, not ${JSON.stringify(expected)}`);
}

describeInBrowser('web app: a shared list in two browsers', () => {
  let app: NestExpressApplication | undefined;
  let baseUrl = '';
  const dirs: string[] = [];
  const contexts: BrowserContext[] = [];
  let ada: Page;
  let grace: Page;

  beforeAll(async () => {
    if (!hasChromium) {
      throw new Error(`CI is set but ${chromiumPath} is missing: install it with "apt-get install -y chromium"`);
    }
    const webDist = path.join(projectRoot, 'apps/web/dist/index.html');
    if (!existsSync(webDist)) {
      execFileSync('npm', ['run', 'build', '-w', '@tandem/web'], { cwd: projectRoot, stdio: 'inherit', timeout: 120_000 });
    }

    const dataDir = mkdtempSync(path.join(tmpdir(), 'tandem-browser-'));
    dirs.push(dataDir);
    app = await createApp(
      loadConfig({ ...process.env, DATABASE_URL: `file:${path.join(dataDir, 'tandem.db')}`, PORT: '0', LOG_LEVEL: 'warn' }),
    );
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;

    // Two persistent contexts: two people, each with their own storage and token.
    for (let index = 0; index < 2; index++) {
      const profile = mkdtempSync(path.join(tmpdir(), 'tandem-chromium-'));
      dirs.push(profile);
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        args: chromiumArgs,
        viewport: { width: 1280, height: 800 },
        timeout: waitMs,
      });
      context.setDefaultTimeout(waitMs);
      contexts.push(context);
    }
    ada = contexts[0].pages()[0] ?? (await contexts[0].newPage());
    grace = contexts[1].pages()[0] ?? (await contexts[1].newPage());
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(contexts.map((context) => context.close()));
    await app?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('edits one list from two pages; the loser of a race sees the conflict', async () => {
    await openLists(ada, baseUrl, 'Ada');
    await openLists(grace, baseUrl, 'Grace');

    const title = `Groceries ${Date.now().toString(36)}`;
    await ada.getByTestId('list-create-title').fill(title);
    await ada.getByTestId('list-create-submit').click();
    await ada.getByTestId('current-list-title').filter({ hasText: title }).waitFor();
    for (const text of ['milk', 'eggs', 'bread']) {
      await ada.getByTestId('item-create-text').fill(text);
      await ada.getByTestId('item-create-text').press('Enter');
    }
    await showsItems(ada, ['milk', 'eggs', 'bread']);

    // Grace's sidebar was loaded before the list existed: refresh it, then open the list.
    await grace.getByRole('button', { name: 'Refresh the lists' }).click();
    await grace.getByTestId('list-item').filter({ hasText: title }).click();
    await grace.getByTestId('current-list-title').filter({ hasText: title }).waitFor();
    await showsItems(grace, ['milk', 'eggs', 'bread']);

    // A change by the other person appears live, briefly highlighted.
    await item(ada, 'eggs').getByTestId('item-done').check();
    await item(grace, 'eggs').locator('[data-testid="item-done"]:checked').waitFor();
    expect(await item(grace, 'eggs').getAttribute('data-highlighted')).toBe('true');

    // Reordering by keyboard: bread goes up twice, for both.
    await item(ada, 'bread').getByTestId('item-handle').focus();
    await ada.keyboard.press('Alt+ArrowUp');
    await showsItems(ada, ['milk', 'bread', 'eggs']);
    await ada.keyboard.press('Alt+ArrowUp');
    await showsItems(ada, ['bread', 'milk', 'eggs']);
    await showsItems(grace, ['bread', 'milk', 'eggs']);

    // The race: both edit "milk" from version 1; Ada saves first, so Grace's edit is stale.
    const graceMilk = item(grace, 'milk');
    expect(await graceMilk.getAttribute('data-version')).toBe('1');
    const milkId = await graceMilk.getAttribute('data-item-id');
    await graceMilk.getByTestId('item-text').click();
    await grace.getByTestId('item-edit-input').fill('oat milk');
    await item(ada, 'milk').getByTestId('item-text').click();
    await ada.getByTestId('item-edit-input').fill('whole milk');
    await ada.getByTestId('item-edit-input').press('Enter');
    await showsItems(ada, ['bread', 'whole milk', 'eggs']);
    await grace.locator(`[data-testid="item"][data-item-id="${milkId}"][data-version="2"]`).waitFor();
    await grace.getByTestId('item-edit-input').press('Enter');

    const conflict = grace.getByTestId('conflict-message');
    await conflict.waitFor();
    const said = await conflict.innerText();
    expect(said).toContain('changed by Ada');
    expect(said).toContain('showing the current text');
    expect(said).toContain('oat milk');
    expect(said).toContain('reapply');
    // Rolled back: the loser sees what is stored, the same as the winner.
    await showsItems(grace, ['bread', 'whole milk', 'eggs']);
    expect(await ada.getByTestId('conflict-message').count()).toBe(0);
    mkdirSync(artifacts, { recursive: true });
    await grace.screenshot({ path: path.join(artifacts, 'lists.png'), timeout: waitMs });

    // Reapplying sends the edit again against the current version.
    await conflict.getByTestId('conflict-reapply').click();
    await showsItems(grace, ['bread', 'oat milk', 'eggs']);
    await showsItems(ada, ['bread', 'oat milk', 'eggs']);
    expect(await item(ada, 'oat milk').getAttribute('data-version')).toBe('3');

    // Delete, then undo from the toast: gone for both, then back for both.
    await item(ada, 'eggs').getByTestId('item-delete').click();
    await showsItems(grace, ['bread', 'oat milk']);
    await ada.getByTestId('undo-toast').getByTestId('undo-button').click();
    await showsItems(grace, ['bread', 'oat milk', 'eggs']);
    await showsItems(ada, ['bread', 'oat milk', 'eggs']);
  }, 90_000);
});
