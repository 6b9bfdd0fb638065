import { expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import {
  connectedBadge,
  describeInBrowser,
  pointerAway,
  screenshot,
  signIn,
  until,
  useBrowsers,
  waitMs,
} from './support/harness.js';
import { item, playerRow } from './support/locators.js';

function offlineBadge(page: Page) {
  return page.locator('[data-testid="connection-badge"][data-state="offline"]');
}

function boardEntry(page: Page, name: string) {
  return page.getByTestId('board-item').filter({ hasText: name });
}

describeInBrowser('web app: one client for every view', () => {
  const browsers = useBrowsers();

  it('shows new boards and lists to others at once, with the creator’s player count right', async () => {
    const [ada, grace] = browsers.pages;
    const stamp = Date.now().toString(36);
    await signIn(ada, browsers.baseUrl, 'Ada', 'scoreboard');
    await signIn(grace, browsers.baseUrl, 'Grace', 'scoreboard');

    const boardName = `Darts ${stamp}`;
    await ada.getByTestId('board-create-name').fill(boardName);
    await ada.getByTestId('board-create-submit').click();
    await ada.getByTestId('current-board-name').filter({ hasText: boardName }).waitFor({ timeout: waitMs });
    // Live: the board reaches Grace's list without a reload or a refresh.
    await boardEntry(grace, boardName).waitFor({ timeout: waitMs });
    for (const name of ['Leader', 'Chaser', 'Third']) {
      await ada.getByTestId('player-add-name').fill(name);
      await ada.getByTestId('player-add-submit').click();
      await playerRow(ada, name).waitFor({ timeout: waitMs });
    }
    // The creator's list counts the players as everyone else's does.
    await until(ada, 'Ada’s player count', () => boardEntry(ada, boardName).locator('.count').innerText(), '3');
    await boardEntry(grace, boardName).click();
    await playerRow(grace, 'Third').waitFor({ timeout: waitMs });
    await until(grace, 'Grace’s player count', () => boardEntry(grace, boardName).locator('.count').innerText(), '3');

    const listTitle = `Packing ${stamp}`;
    await ada.getByTestId('section-lists').click();
    await grace.getByTestId('section-lists').click();
    await ada.getByTestId('list-create-title').fill(listTitle);
    await ada.getByTestId('list-create-submit').click();
    await grace.getByTestId('list-item').filter({ hasText: listTitle }).waitFor({ timeout: waitMs });
    await screenshot(grace, 'directory-live');
  });

  it('sends score and list changes made offline once the connection is back, while Chat is shown', async () => {
    const [ada, grace] = browsers.pages;
    const stamp = Date.now().toString(36);
    const listTitle = `Groceries ${stamp}`;
    const boardName = `Quiz ${stamp}`;

    // Ada sets up a list with one item and a board with two players; Grace watches both.
    await ada.getByTestId('list-create-title').fill(listTitle);
    await ada.getByTestId('list-create-submit').click();
    await ada.getByTestId('current-list-title').filter({ hasText: listTitle }).waitFor({ timeout: waitMs });
    await ada.getByTestId('item-create-text').fill('milk');
    await ada.getByTestId('item-create-text').press('Enter');
    await item(ada, 'milk').and(ada.locator('[data-version="1"]')).waitFor({ timeout: waitMs });
    await ada.getByTestId('section-scoreboard').click();
    await ada.getByTestId('board-create-name').fill(boardName);
    await ada.getByTestId('board-create-submit').click();
    await ada.getByTestId('current-board-name').filter({ hasText: boardName }).waitFor({ timeout: waitMs });
    for (const name of ['Leader', 'Chaser']) {
      await ada.getByTestId('player-add-name').fill(name);
      await ada.getByTestId('player-add-submit').click();
      await playerRow(ada, name).waitFor({ timeout: waitMs });
    }
    await grace.getByTestId('list-item').filter({ hasText: listTitle }).click({ timeout: waitMs });
    await item(grace, 'milk').waitFor({ timeout: waitMs });

    // Offline: +5 on the board, then an item added and one ticked on the list, then Chat.
    await ada.context().setOffline(true);
    await offlineBadge(ada).waitFor({ timeout: waitMs });
    await playerRow(ada, 'Chaser').getByTestId('score-plus-5').click();
    await pointerAway(ada);
    await until(
      ada,
      'Chaser’s score, shown at once',
      () => playerRow(ada, 'Chaser').getByTestId('player-score').innerText(),
      '5',
    );
    await ada.getByTestId('section-lists').click();
    await ada.getByTestId('item-create-text').fill('eggs');
    await ada.getByTestId('item-create-text').press('Enter');
    await item(ada, 'milk').getByTestId('item-done').check();
    await item(ada, 'eggs').waitFor({ timeout: waitMs });
    await ada.getByTestId('section-chat').click();

    // Back online while Chat is shown: nothing else is opened, and everything arrives.
    await ada.context().setOffline(false);
    await connectedBadge(ada).waitFor({ timeout: waitMs });
    await item(grace, 'eggs').waitFor({ timeout: waitMs });
    await until(grace, 'milk ticked for Grace', () => item(grace, 'milk').getByTestId('item-done').isChecked(), true);
    await grace.getByTestId('section-scoreboard').click();
    await boardEntry(grace, boardName).click({ timeout: waitMs });
    await until(grace, 'Chaser’s score', () => playerRow(grace, 'Chaser').getByTestId('player-score').innerText(), '5');
    expect(await ada.getByTestId('section-chat').getAttribute('aria-current')).toBe('page');
    await screenshot(grace, 'offline-changes-from-another-view');

    // Stored once each.
    const db = new Database(browsers.databaseFile, { readonly: true, fileMustExist: true });
    try {
      const stored = db
        .prepare(
          `SELECT p.score FROM "Player" p JOIN "Board" b ON b.id = p."boardId" WHERE b.name = ? AND p.name = 'Chaser'`,
        )
        .all(boardName);
      expect(stored).toEqual([{ score: 5 }]);
    } finally {
      db.close();
    }
  });
});
