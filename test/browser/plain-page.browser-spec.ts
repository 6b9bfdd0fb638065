import { expect, it } from '@jest/globals';
import { describeInBrowser, screenshot, signIn, useBrowsers, waitMs } from './support/harness.js';
import { message, roomItem } from './support/locators.js';

describeInBrowser('the plain page (/plain): new WebSocket, no build, no Socket.IO', () => {
  const browsers = useBrowsers();

  it('signs in, joins general with its welcome, and chats with someone on the web app', async () => {
    const [pat, ada] = browsers.pages;
    const problems: string[] = [];
    pat.on('console', (entry) => {
      if (entry.type() === 'error') problems.push(entry.text());
    });
    pat.on('pageerror', (error) => problems.push(error.message));
    const requests: string[] = [];
    pat.on('request', (request) => requests.push(request.url()));

    await pat.goto(`${browsers.baseUrl}/plain`, { timeout: waitMs });
    await pat.getByLabel('Your name').fill('Pat');
    await pat.getByRole('button', { name: 'Sign in' }).click();
    await pat.getByRole('status').filter({ hasText: 'Connected as Pat.' }).waitFor({ timeout: waitMs });
    expect(await pat.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(false);
    const lines = pat.getByTestId('plain-message');
    await lines.filter({ hasText: 'welcome to the chat' }).waitFor({ timeout: waitMs });

    await signIn(ada, browsers.baseUrl, 'Ada');
    await roomItem(ada, 'general').click({ timeout: waitMs });
    await message(ada, 'Pat joined').waitFor({ timeout: waitMs });
    await pat.getByLabel('Message').fill('Hello from the plain page');
    await pat.getByRole('button', { name: 'Send' }).click();
    const onWebApp = message(ada, 'Hello from the plain page');
    await onWebApp.waitFor({ timeout: waitMs });
    expect(await onWebApp.innerText()).toContain('Pat');

    await ada.getByTestId('composer-input').fill('Hi Pat, <b>from the app</b>');
    await ada.getByTestId('composer-input').press('Enter');
    const reply = lines.filter({ hasText: 'Ada: Hi Pat, <b>from the app</b>' });
    await reply.waitFor({ timeout: waitMs });
    expect(await reply.locator('b').count()).toBe(0);
    expect(await pat.getByLabel('Message').inputValue()).toBe('');

    // Each message once, in order; nothing but the page itself, the session and /ws was loaded.
    const texts = await lines.allInnerTexts();
    expect(texts.filter((text) => text === 'Pat: Hello from the plain page')).toHaveLength(1);
    expect(texts.indexOf('Pat: Hello from the plain page')).toBeLessThan(
      texts.indexOf('Ada: Hi Pat, <b>from the app</b>'),
    );
    expect(requests.filter((url) => !/\/(plain|api\/sessions|ws)$/.test(url))).toEqual([]);
    expect(problems).toEqual([]);
    await screenshot(pat, 'plain-page');
  });
});
