import { expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { ServerLifecycle } from '../../apps/api/src/common/server-lifecycle.js';
import { connectedBadge, describeInBrowser, screenshot, signIn, until, useBrowsers } from './support/harness.js';

/** Tokens this short-lived are refreshed every few seconds, and run out soon without a refresh. */
const tokenTtlSeconds = 4;
/** The window a draining server gives its clients to come back in. */
const reconnectWithinMs = 1_000;

/** Every state the connection badge takes, in order, from the first document on. */
const recordBadgeStates = `
  window.__badgeStates = [];
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.target.dataset && record.target.dataset.testid === 'connection-badge') {
        window.__badgeStates.push(record.target.dataset.state);
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
`;

function storedToken(page: Page): Promise<string | undefined> {
  return page.evaluate(() => {
    const storage = (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage;
    return (JSON.parse(storage.getItem('tandem.session') ?? '{}') as { token?: string }).token;
  });
}

function badgeStates(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as { __badgeStates?: string[] }).__badgeStates ?? []);
}

describeInBrowser('web app: the session outlives its tokens and follows the server', () => {
  const browsers = useBrowsers({ people: 1, env: { TOKEN_TTL_SECONDS: String(tokenTtlSeconds) } });

  it('refreshes the token before it expires, and the open sockets keep working', async () => {
    const [ada] = browsers.pages;
    await ada.addInitScript({ content: recordBadgeStates });
    // The lists view: its socket and the chat's are open together.
    await signIn(ada, browsers.baseUrl, 'Ada', 'lists');
    const first = await storedToken(ada);
    const before = (await badgeStates(ada)).length;

    // Well past the first token's expiry: a socket still on it would have been cut by the server.
    await ada.waitForTimeout((tokenTtlSeconds + 2) * 1_000);
    expect(await storedToken(ada)).not.toBe(first);
    // Taken in band: the connection never dropped.
    expect((await badgeStates(ada)).slice(before)).toEqual([]);
    const title = `Still here ${Date.now().toString(36)}`;
    await ada.getByTestId('list-create-title').fill(title);
    await ada.getByTestId('list-create-submit').click();
    await ada.getByTestId('current-list-title').filter({ hasText: title }).waitFor();
    // The chat's socket, open all along behind the lists view, is as alive.
    await ada.getByTestId('section-chat').click();
    await connectedBadge(ada).waitFor();
    await ada.getByTestId('room-create-name').fill(title);
    await ada.getByTestId('room-create-submit').click();
    await ada.getByTestId('current-room-name').filter({ hasText: title }).waitFor();
  }, 30_000);

  it('leaves a draining server and comes back within the window it gave', async () => {
    const [ada] = browsers.pages;
    const before = (await badgeStates(ada)).length;
    const drainedAt = Date.now();
    await browsers.app.get(ServerLifecycle).drain(reconnectWithinMs);
    const since = async () => (await badgeStates(ada)).slice(before);
    await until(ada, 'the connection badge', since, ['reconnecting', 'connected']);
    // A random delay below the window, then a handshake: well inside twice the window here.
    expect(Date.now() - drainedAt).toBeLessThan(2 * reconnectWithinMs);
  }, 30_000);

  it('goes back to sign-in, saying why, once a token runs out unrefreshed', async () => {
    const [ada] = browsers.pages;
    await ada.route('**/api/sessions/refresh', (route) => route.abort());
    const reason = ada.getByRole('alert').filter({ hasText: 'Your session has expired' });
    await reason.waitFor({ timeout: (tokenTtlSeconds + 5) * 1_000 });
    await ada.getByTestId('signin-name').waitFor();
    await screenshot(ada, 'session-expired');
  }, 30_000);
});
