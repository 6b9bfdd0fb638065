import { expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import {
  connectedBadge,
  describeInBrowser,
  screenshot,
  signIn,
  until,
  useBrowsers,
  waitMs,
} from './support/harness.js';
import { item, message } from './support/locators.js';

/** One of the user's own messages, not acknowledged yet: `queued`, `sending` or `failed`. */
function pendingMessage(page: Page, text: string, status: 'queued' | 'failed' = 'queued') {
  return page.locator(`[data-testid="message"][data-pending="${status}"]`).filter({ hasText: text });
}

function offlineBadge(page: Page) {
  return page.locator('[data-testid="connection-badge"][data-state="offline"]');
}

/** How many records the page keeps offline (`outbox`: commands; `last-seen`: views), for every user. */
function kept(page: Page, store: 'outbox' | 'last-seen' = 'outbox'): Promise<number> {
  // A string: the test code is not compiled with the DOM's types.
  return page.evaluate<number>(`new Promise((resolve, reject) => {
    const opening = indexedDB.open('tandem');
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const db = opening.result;
      const counting = db.transaction('${store}').objectStore('${store}').count();
      counting.onsuccess = () => { db.close(); resolve(counting.result); };
      counting.onerror = () => reject(counting.error);
    };
  })`);
}

/** Resolves once the app's service worker keeps the app: from then on it opens offline. */
async function keptForOffline(page: Page): Promise<void> {
  await page.evaluate(`Promise.race([
    navigator.serviceWorker.ready.then(() => true),
    new Promise((_, reject) => setTimeout(() => reject(new Error('no active service worker')), ${waitMs})),
  ])`);
}

describeInBrowser('web app: changes made offline survive a reload', () => {
  const browsers = useBrowsers();

  it('keeps two messages and a list change made offline through a reload, and delivers each once', async () => {
    const [ada, grace] = browsers.pages;
    const stamp = Date.now().toString(36);
    const roomName = `Field notes ${stamp}`;
    const listTitle = `Field kit ${stamp}`;
    const texts = [`Written on the train ${stamp}`, `Still in the tunnel ${stamp}`];
    const itemText = `rain jacket ${stamp}`;

    await signIn(ada, browsers.baseUrl, 'Ada');
    await signIn(grace, browsers.baseUrl, 'Grace');
    await ada.getByTestId('room-create-name').fill(roomName);
    await ada.getByTestId('room-create-submit').click();
    await ada.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor();
    await grace.getByTestId('room-item').filter({ hasText: roomName }).click();
    await grace.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor();

    await ada.getByTestId('section-lists').click();
    await ada.getByTestId('list-create-title').fill(listTitle);
    await ada.getByTestId('list-create-submit').click();
    await ada.getByTestId('current-list-title').filter({ hasText: listTitle }).waitFor();
    await ada.getByTestId('item-create-text').fill(itemText);
    await ada.getByTestId('item-create-text').press('Enter');
    await item(ada, itemText).and(ada.locator('[data-version="1"]')).waitFor();
    await ada.getByTestId('section-chat').click();
    await connectedBadge(ada).waitFor();
    await keptForOffline(ada);

    // Offline: two messages and one list change are made, and shown as not sent yet.
    await ada.context().setOffline(true);
    await offlineBadge(ada).waitFor();
    for (const text of texts) {
      await ada.getByTestId('composer-input').fill(text);
      await ada.getByTestId('composer-input').press('Enter');
      await pendingMessage(ada, text).waitFor();
    }
    await ada.getByTestId('section-lists').click();
    await ada.getByTestId('current-list-title').filter({ hasText: listTitle }).waitFor();
    await item(ada, itemText).getByTestId('item-done').check();
    await item(ada, itemText).locator('[data-testid="item-done"]:checked').waitFor();
    await until(ada, 'the outbox', () => kept(ada), 3);

    // A reload, still offline: the app opens from what it kept, with the changes still pending.
    await ada.getByTestId('section-chat').click();
    await ada.reload();
    await offlineBadge(ada).waitFor();
    await ada.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor();
    for (const text of texts) await pendingMessage(ada, text).waitFor();
    await screenshot(ada, 'offline');
    await ada.getByTestId('section-lists').click();
    const keptItem = item(ada, itemText);
    await keptItem.locator('[data-testid="item-done"]:checked').waitFor();
    expect(await keptItem.getAttribute('class')).toContain('saving');
    expect((await keptItem.getByTestId('item-state').innerText()).trim()).toBe('queued');
    expect(await kept(ada)).toBe(3);

    // Back online: everything is sent, in order, and acknowledged.
    await ada.context().setOffline(false);
    await connectedBadge(ada).waitFor();
    await until(ada, 'the outbox', () => kept(ada), 0);
    await keptItem.locator('[data-testid="item-done"]:checked').waitFor();
    await until(ada, 'the item', async () => (await keptItem.getAttribute('class'))?.includes('saving'), false);
    await ada.getByTestId('section-chat').click();
    for (const text of texts) {
      await message(ada, text).and(ada.locator(':not([data-pending])')).waitFor();
      await message(grace, text).waitFor();
    }

    // Exactly once: for the other person, and in the database.
    for (const text of texts) {
      expect(await message(grace, text).count()).toBe(1);
      expect(await message(ada, text).count()).toBe(1);
    }
    const db = new Database(browsers.databaseFile, { readonly: true, fileMustExist: true });
    try {
      const stored = db.prepare('SELECT text FROM Message WHERE text IN (?, ?) ORDER BY seq').all(...texts) as {
        text: string;
      }[];
      expect(stored.map((row) => row.text)).toEqual(texts);
      const items = db.prepare('SELECT done, version FROM Item WHERE text = ?').all(itemText) as {
        done: number;
        version: number;
      }[];
      // Created at version 1; the one change made offline was applied once.
      expect(items).toEqual([{ done: 1, version: 2 }]);
    } finally {
      db.close();
    }

    // The other person sees the change too.
    await grace.getByTestId('section-lists').click();
    await grace.getByTestId('list-item').filter({ hasText: listTitle }).click();
    await item(grace, itemText).locator('[data-testid="item-done"]:checked').waitFor({ timeout: waitMs });

    // Signing out deletes what was kept for the user, a message still waiting included.
    await ada.context().setOffline(true);
    await offlineBadge(ada).waitFor();
    await ada.getByTestId('composer-input').fill(`Never sent ${stamp}`);
    await ada.getByTestId('composer-input').press('Enter');
    await until(ada, 'the outbox', () => kept(ada), 1);
    await ada.getByRole('button', { name: 'Sign out' }).click();
    await ada.getByTestId('signin-name').waitFor();
    await until(ada, 'the outbox', () => kept(ada), 0);
    expect(await kept(ada, 'last-seen')).toBe(0);
    await ada.context().setOffline(false);
  }, 90_000);
});
