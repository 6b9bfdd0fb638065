import { expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { connectedBadge, describeInBrowser, signIn, useBrowsers, waitMs } from './support/harness.js';

/** Creates a board in the open scoreboard view and waits until it is open. */
async function createBoard(page: Page, name: string): Promise<void> {
  await page.getByTestId('board-create-name').fill(name);
  await page.getByTestId('board-create-submit').click();
  await openBoard(page, name);
}

async function openBoard(page: Page, name: string): Promise<void> {
  await page.getByTestId('current-board-name').filter({ hasText: name }).waitFor({ timeout: waitMs });
}

function path(page: Page): string {
  return new URL(page.url()).pathname;
}

describeInBrowser('web app: every view has an address', () => {
  const browsers = useBrowsers({ people: 1 });

  it('goes back and forward through boards and views, and a reload keeps the place', async () => {
    const [ada] = browsers.pages;
    await signIn(ada, browsers.baseUrl, 'Ada', 'scoreboard');
    expect(path(ada)).toBe('/boards');

    const suffix = Date.now().toString(36);
    await createBoard(ada, `Monday ${suffix}`);
    const monday = path(ada);
    expect(monday).toMatch(/^\/boards\/[0-9a-f-]{36}$/);
    await createBoard(ada, `Tuesday ${suffix}`);
    const tuesday = path(ada);
    expect(tuesday).not.toBe(monday);

    await ada.getByTestId('section-lists').click();
    await ada.waitForURL((url) => url.pathname === '/lists');
    // A list has its address too, kept by a reload; back leaves it for the list view.
    const title = `Errands ${suffix}`;
    await ada.getByTestId('list-create-title').fill(title);
    await ada.getByTestId('list-create-submit').click();
    await ada.getByTestId('current-list-title').filter({ hasText: title }).waitFor({ timeout: waitMs });
    await ada.waitForURL((url) => /^\/lists\/[0-9a-f-]{36}$/.test(url.pathname));
    await ada.reload();
    await connectedBadge(ada).waitFor({ timeout: waitMs });
    await ada.getByTestId('current-list-title').filter({ hasText: title }).waitFor({ timeout: waitMs });
    expect(await ada.getByTestId('section-lists').getAttribute('aria-current')).toBe('page');

    await ada.goBack();
    await openBoard(ada, `Tuesday ${suffix}`);
    await ada.goBack();
    await openBoard(ada, `Monday ${suffix}`);
    expect(path(ada)).toBe(monday);

    // A reload lands on the same board, in the same view.
    await ada.reload();
    await connectedBadge(ada).waitFor({ timeout: waitMs });
    await openBoard(ada, `Monday ${suffix}`);
    expect(await ada.getByTestId('section-scoreboard').getAttribute('aria-current')).toBe('page');

    await ada.goForward();
    await openBoard(ada, `Tuesday ${suffix}`);
    expect(path(ada)).toBe(tuesday);

    // The tab goes back to the board left open there.
    await ada.getByTestId('section-chat').click();
    await ada.getByTestId('section-scoreboard').click();
    await openBoard(ada, `Tuesday ${suffix}`);
    expect(path(ada)).toBe(tuesday);

    // An address typed by hand opens what it names; an unknown board says so and leaves the address.
    await ada.goto(`${browsers.baseUrl}${monday}`);
    await openBoard(ada, `Monday ${suffix}`);
    await ada.goto(`${browsers.baseUrl}/boards/00000000-0000-7000-8000-000000000000`);
    await ada.getByText(/Could not open the board/).waitFor({ timeout: waitMs });
    await ada.waitForURL((url) => url.pathname === '/boards');
  });

  it('serves the app on its addresses and nothing else', async () => {
    for (const address of ['/rooms/abc', '/boards/abc/present', '/lists', '/ops', '/join/room/abc']) {
      const response = await fetch(`${browsers.baseUrl}${address}`);
      // The page's own CSP comes with it, as with `/`.
      expect([
        address,
        response.status,
        response.headers.get('content-type'),
        response.headers.get('content-security-policy')?.includes("script-src 'self'"),
      ]).toEqual([address, 200, 'text/html; charset=utf-8', true]);
      expect(await response.text()).toContain('<div id="app">');
    }
    for (const address of ['/boards/abc/edit', '/join/planet/abc', '/nowhere']) {
      expect([address, (await fetch(`${browsers.baseUrl}${address}`)).status]).toEqual([address, 404]);
    }
  });
});
