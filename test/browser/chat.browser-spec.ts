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

/** What a person does first: open the app and sign in by name. */
async function signIn(page: Page, baseUrl: string, name: string): Promise<void> {
  await page.goto(baseUrl, { timeout: waitMs });
  await page.getByTestId('signin-name').fill(name, { timeout: waitMs });
  await page.getByTestId('signin-submit').click({ timeout: waitMs });
  await connected(page).waitFor({ timeout: waitMs });
}

function connected(page: Page) {
  return page.locator('[data-testid="connection-badge"][data-state="connected"]');
}

function message(page: Page, text: string) {
  return page.getByTestId('message').filter({ hasText: text });
}

describeInBrowser('web app: chat in two browsers', () => {
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

  it('signs in two people who then chat live in one room', async () => {
    await signIn(ada, baseUrl, 'Ada');
    await signIn(grace, baseUrl, 'Grace');

    const roomName = `Design review ${Date.now().toString(36)}`;
    await ada.getByTestId('room-create-name').fill(roomName);
    await ada.getByTestId('room-create-submit').click();
    await ada.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor({ timeout: waitMs });

    // Grace's list was loaded before the room existed: refresh it, then open the room.
    await grace.getByRole('button', { name: 'Refresh the room list' }).click();
    await grace.getByTestId('room-item').filter({ hasText: roomName }).click({ timeout: waitMs });
    await grace.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor({ timeout: waitMs });

    await ada.getByTestId('composer-input').fill('Hello Grace, the new layout is up.');
    await ada.getByTestId('composer-input').press('Enter');
    const received = message(grace, 'Hello Grace, the new layout is up.');
    await received.waitFor({ timeout: waitMs });
    expect(await received.innerText()).toContain('Ada');
    expect(await received.getAttribute('data-own')).toBe('false');
    expect(await message(ada, 'Hello Grace, the new layout is up.').getAttribute('data-own')).toBe('true');

    // Markup in a message is shown as text, never interpreted.
    await grace.getByTestId('composer-input').fill('Looks calm. <b>Ship it</b>');
    await grace.getByTestId('composer-send').click();
    const reply = message(ada, 'Looks calm. <b>Ship it</b>');
    await reply.waitFor({ timeout: waitMs });
    expect(await reply.innerText()).toContain('Grace');
    expect(await reply.locator('b').count()).toBe(0);

    for (const page of [ada, grace]) {
      await page
        .getByTestId('presence')
        .filter({ hasText: 'Ada' })
        .filter({ hasText: 'Grace' })
        .waitFor({ timeout: waitMs });
      expect(await page.getByTestId('connection-badge').getAttribute('data-state')).toBe('connected');
      expect(await page.getByTestId('connection-badge').innerText()).toContain('Connected');
    }

    mkdirSync(artifacts, { recursive: true });
    await ada.screenshot({ path: path.join(artifacts, 'chat.png'), timeout: waitMs });
  }, 60_000);
});
