import { expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { describeInBrowser, pointerAway, screenshot, signIn, until, useBrowsers, waitMs } from './support/harness.js';
import { expectNoAxeViolations, screenSizes } from './support/axe.js';
import { item, playerRow } from './support/locators.js';

/** What the test reads of the page's elements (the tests are compiled without the DOM's types). */
interface Shown {
  querySelector(selector: string): { textContent: string | null; checked?: boolean } | null;
  selectionStart?: number | null;
  selectionEnd?: number | null;
}

/** The list as shown, open items then done ones: text, and ✓ for a done one (read at one instant). */
function showsItems(page: Page, expected: string[]): Promise<void> {
  const read = () =>
    page.getByTestId('item').evaluateAll((rows: Shown[]) =>
      rows.map((row) => {
        const text = row.querySelector('[data-testid="item-text"]')?.textContent?.trim() ?? '(editing)';
        return row.querySelector('[data-testid="item-done"]')?.checked ? `${text} ✓` : text;
      }),
    );
  return until(page, 'the list', read, expected);
}

describeInBrowser('web app: undo and redo', () => {
  const browsers = useBrowsers();

  it('undoes list changes from the keyboard, keeps text-field undo native, and refuses over a change by someone else', async () => {
    const [ada, grace] = browsers.pages;
    await signIn(ada, browsers.baseUrl, 'Ada', 'lists');
    await signIn(grace, browsers.baseUrl, 'Grace', 'lists');
    const title = `Picnic ${Date.now().toString(36)}`;
    await ada.getByTestId('list-create-title').fill(title);
    await ada.getByTestId('list-create-submit').click();
    await ada.getByTestId('current-list-title').filter({ hasText: title }).waitFor({ timeout: waitMs });
    for (const text of ['bread', 'cheese', 'grapes']) {
      await ada.getByTestId('item-create-text').fill(text);
      await ada.getByTestId('item-create-text').press('Enter');
    }
    await showsItems(ada, ['bread', 'cheese', 'grapes']);

    // Editing puts the caret after the text: typing adds to it.
    await item(ada, 'bread').getByTestId('item-text').click();
    const editor = ada.getByTestId('item-edit-input');
    expect(await editor.evaluate((input: Shown) => [input.selectionStart, input.selectionEnd])).toEqual([5, 5]);
    await ada.keyboard.type(' rolls');
    await editor.press('Enter');
    await item(ada, 'grapes').getByTestId('item-done').check();
    await showsItems(ada, ['bread rolls', 'cheese', 'grapes ✓']);
    expect(await ada.getByTestId('done-count').innerText()).toBe('1');
    await ada.getByTestId('undo').waitFor({ state: 'visible' });
    expect(await ada.getByTestId('undo').getAttribute('title')).toBe('Undo ticking “grapes” (Ctrl+Z)');

    // Ctrl+Z in the add field is the field's own undo: the list does not change.
    await ada.getByTestId('item-create-text').fill('plums');
    await ada.getByTestId('item-create-text').press('Control+z');
    await showsItems(ada, ['bread rolls', 'cheese', 'grapes ✓']);
    await ada.getByTestId('item-create-text').fill('');

    // Outside a text field, Ctrl+Z undoes the tick, then the edit; Ctrl+Shift+Z and Ctrl+Y redo them.
    await pointerAway(ada);
    await ada.locator('body').click({ position: { x: 700, y: 600 } });
    await ada.keyboard.press('Control+z');
    await showsItems(ada, ['bread rolls', 'cheese', 'grapes']);
    await ada.keyboard.press('Control+z');
    await showsItems(ada, ['bread', 'cheese', 'grapes']);
    await ada.keyboard.press('Control+Shift+z');
    await showsItems(ada, ['bread rolls', 'cheese', 'grapes']);
    await ada.keyboard.press('Control+y');
    await showsItems(ada, ['bread rolls', 'cheese', 'grapes ✓']);

    // A move and a delete undo from the buttons, for everyone.
    await item(ada, 'cheese').getByTestId('item-handle').focus();
    await ada.keyboard.press('Alt+ArrowUp');
    await showsItems(ada, ['cheese', 'bread rolls', 'grapes ✓']);
    await item(ada, 'bread rolls').getByTestId('item-delete').click();
    await showsItems(ada, ['cheese', 'grapes ✓']);
    await ada.getByTestId('undo').click();
    await showsItems(ada, ['cheese', 'bread rolls', 'grapes ✓']);
    // The delete's own Undo offer goes with it.
    await ada.getByTestId('undo-toast').waitFor({ state: 'detached', timeout: waitMs });
    await ada.getByTestId('undo').click();
    await showsItems(ada, ['bread rolls', 'cheese', 'grapes ✓']);
    await grace.getByTestId('list-item').filter({ hasText: title }).click();
    await showsItems(grace, ['bread rolls', 'cheese', 'grapes ✓']);

    // Grace edits what Ada changed last: Ada's undo is refused, and says so; nothing changes.
    await ada.getByTestId('redo').click();
    await showsItems(grace, ['cheese', 'bread rolls', 'grapes ✓']);
    await item(grace, 'cheese').getByTestId('item-text').click();
    await grace.getByTestId('item-edit-input').press('End');
    await grace.keyboard.type(' and crackers');
    await grace.getByTestId('item-edit-input').press('Enter');
    await showsItems(ada, ['cheese and crackers', 'bread rolls', 'grapes ✓']);
    await ada.locator('body').click({ position: { x: 700, y: 600 } });
    await ada.keyboard.press('Control+z');
    const notice = ada.getByTestId('notice').filter({ hasText: 'nothing was undone' });
    await notice.waitFor({ timeout: waitMs });
    expect((await notice.innerText()).trim()).toContain(
      'Grace changed “cheese and crackers” since; nothing was undone.',
    );
    await showsItems(ada, ['cheese and crackers', 'bread rolls', 'grapes ✓']);
    await showsItems(grace, ['cheese and crackers', 'bread rolls', 'grapes ✓']);
    await screenshot(ada, 'undo-list-conflict');

    // The Done section folds away, and stays folded after a reload.
    await ada.getByTestId('done-toggle').click();
    await showsItems(ada, ['cheese and crackers', 'bread rolls']);
    expect(await ada.getByTestId('done-toggle').getAttribute('aria-expanded')).toBe('false');
    await ada.reload();
    await ada.getByTestId('done-toggle').waitFor({ timeout: waitMs });
    await showsItems(ada, ['cheese and crackers', 'bread rolls']);
    await ada.getByTestId('done-toggle').click();
    await showsItems(ada, ['cheese and crackers', 'bread rolls', 'grapes ✓']);
    await pointerAway(ada);
    await ada.waitForTimeout(300); // the chevron's turn
    await screenshot(ada, 'lists-done');
    await expectNoAxeViolations(ada, 'lists: the Done section, Undo and Redo');
    await ada.setViewportSize(screenSizes.phone);
    await ada.waitForTimeout(500); // the drawer's slide out of sight, on resizing
    await screenshot(ada, 'lists-done-phone');
    await expectNoAxeViolations(ada, 'lists on a phone: the Done section, Undo and Redo');
    await ada.setViewportSize(screenSizes.desktop);
  }, 90_000);

  it('undoes and redoes a score from the keyboard and the buttons', async () => {
    // Ada is still signed in from the test before.
    const [ada] = browsers.pages;
    await ada.getByTestId('section-scoreboard').click();
    const boardName = `Quiz night ${Date.now().toString(36)}`;
    await ada.getByTestId('board-create-name').fill(boardName);
    await ada.getByTestId('board-create-submit').click();
    await ada.getByTestId('current-board-name').filter({ hasText: boardName }).waitFor({ timeout: waitMs });
    for (const name of ['Owls', 'Foxes']) {
      await ada.getByTestId('player-add-name').fill(name);
      await ada.getByTestId('player-add-submit').click();
      await playerRow(ada, name).waitFor({ timeout: waitMs });
    }
    const score = (name: string) => playerRow(ada, name).getByTestId('player-score').innerText();
    await playerRow(ada, 'Owls').getByTestId('score-plus-5').click();
    await playerRow(ada, 'Foxes').getByTestId('score-plus-1').click();
    await pointerAway(ada);
    await until(ada, 'the scores', async () => [await score('Owls'), await score('Foxes')], ['5', '1']);
    await until(
      ada,
      'the undo button',
      () => ada.getByTestId('undo').getAttribute('title'),
      'Undo +1 to Foxes (Ctrl+Z)',
    );

    await ada.locator('body').click({ position: { x: 700, y: 700 } });
    await ada.keyboard.press('Control+z');
    await until(ada, 'the scores', async () => [await score('Owls'), await score('Foxes')], ['5', '0']);
    await ada.keyboard.press('Control+z');
    await until(ada, 'the scores', async () => [await score('Owls'), await score('Foxes')], ['0', '0']);
    expect(await ada.getByTestId('undo').isDisabled()).toBe(true);
    await ada.getByTestId('redo').click();
    await until(ada, 'the scores', async () => [await score('Owls'), await score('Foxes')], ['5', '0']);
    await until(
      ada,
      'the redo button',
      () => ada.getByTestId('redo').getAttribute('title'),
      'Redo +1 to Foxes (Ctrl+Y)',
    );
    await pointerAway(ada);
    await screenshot(ada, 'undo-scoreboard');
    await expectNoAxeViolations(ada, 'scoreboard: Undo and Redo');
  }, 60_000);
});
