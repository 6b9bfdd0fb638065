import { expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { describeInBrowser, screenshot, signIn, until, useBrowsers } from './support/harness.js';
import { item } from './support/locators.js';

/** Waits until the list shows exactly these texts, in this order. */
function showsItems(page: Page, expected: string[]): Promise<void> {
  const texts = () => page.getByTestId('item-text').allInnerTexts();
  return until(page, 'the list', async () => (await texts()).map((text) => text.trim()), expected);
}

describeInBrowser('web app: a shared list in two browsers', () => {
  const browsers = useBrowsers();

  it('edits one list from two pages; the loser of a race sees the conflict', async () => {
    const [ada, grace] = browsers.pages;
    await signIn(ada, browsers.baseUrl, 'Ada', 'lists');
    await signIn(grace, browsers.baseUrl, 'Grace', 'lists');

    const title = `Groceries ${Date.now().toString(36)}`;
    await ada.getByTestId('list-create-title').fill(title);
    await ada.getByTestId('list-create-submit').click();
    await ada.getByTestId('current-list-title').filter({ hasText: title }).waitFor();
    for (const text of ['milk', 'eggs', 'bread']) {
      await ada.getByTestId('item-create-text').fill(text);
      await ada.getByTestId('item-create-text').press('Enter');
    }
    await showsItems(ada, ['milk', 'eggs', 'bread']);

    // Grace's sidebar was loaded before the list existed: the list appears in it live.
    await grace.getByTestId('list-item').filter({ hasText: title }).click();
    await grace.getByTestId('current-list-title').filter({ hasText: title }).waitFor();
    await showsItems(grace, ['milk', 'eggs', 'bread']);

    // A change by the other person appears live, briefly highlighted.
    await item(ada, 'eggs').getByTestId('item-done').check();
    await item(grace, 'eggs').locator('[data-testid="item-done"]:checked').waitFor();
    expect(await item(grace, 'eggs').getAttribute('data-highlighted')).toBe('true');

    // Done items go to the Done section, after the open ones.
    await showsItems(ada, ['milk', 'bread', 'eggs']);
    expect(await ada.getByTestId('done-count').innerText()).toBe('1');

    // Reordering by keyboard, among the open items: bread goes up, for both; at the top it stays.
    await item(ada, 'bread').getByTestId('item-handle').focus();
    await ada.keyboard.press('Alt+ArrowUp');
    await showsItems(ada, ['bread', 'milk', 'eggs']);
    await ada.keyboard.press('Alt+ArrowUp');
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
    // Saved from the keyboard: the focus is back on the item, ready for the next key.
    await until(
      ada,
      'the focused item',
      () => ada.locator(':focus').getByTestId('item-text').innerText(),
      'whole milk',
    );
    await showsItems(ada, ['bread', 'whole milk', 'eggs']);
    await grace.locator(`[data-testid="item"][data-item-id="${milkId}"][data-version="2"]`).waitFor();
    await grace.getByTestId('item-edit-input').press('Enter');

    const conflict = grace.getByTestId('conflict-message');
    await conflict.waitFor();
    const said = await conflict.innerText();
    expect(said).toMatch(/^Changed by Ada/);
    expect(said).toContain('showing the current text');
    expect(said).toContain('oat milk');
    expect(said).toContain('reapply');
    // Rolled back: the loser sees what is stored, the same as the winner.
    await showsItems(grace, ['bread', 'whole milk', 'eggs']);
    expect(await ada.getByTestId('conflict-message').count()).toBe(0);
    await screenshot(grace, 'lists');

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
