import { expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { playerRow as row } from './support/locators.js';
import { describeInBrowser, pointerAway, screenshot, signIn, until, useBrowsers, waitMs } from './support/harness.js';

/** The table as shown, top to bottom: each row's name and score. */
async function shown(page: Page): Promise<[string, number][]> {
  return Promise.all(
    (await page.getByTestId('player-row').all()).map(async (element): Promise<[string, number]> => [
      (await element.getByTestId('player-name').innerText()).trim(),
      Number(await element.getByTestId('player-score').innerText()),
    ]),
  );
}

function focusedLabel(page: Page): Promise<string | null> {
  return page.locator(':focus').getAttribute('aria-label', { timeout: waitMs });
}

async function openBoard(page: Page, boardName: string): Promise<void> {
  // The board list is live: a board created after it was loaded appears in it.
  await page.getByTestId('board-item').filter({ hasText: boardName }).click();
}

describeInBrowser('web app: score controls stay under the pointer and the keyboard', () => {
  const browsers = useBrowsers();

  it('holds the rows while the pointer is in the table: rapid clicks all land on the aimed player', async () => {
    const [ada, grace] = browsers.pages;
    await signIn(ada, browsers.baseUrl, 'Ada', 'scoreboard');
    await signIn(grace, browsers.baseUrl, 'Grace', 'scoreboard');

    const boardName = `Rapid clicks ${Date.now().toString(36)}`;
    await ada.getByTestId('board-create-name').fill(boardName);
    await ada.getByTestId('board-create-submit').click();
    await ada.getByTestId('current-board-name').filter({ hasText: boardName }).waitFor();
    for (const name of ['Leader', 'Chaser']) {
      await ada.getByTestId('player-add-name').fill(name);
      await ada.getByTestId('player-add-submit').click();
      await row(ada, name).waitFor();
    }
    await row(ada, 'Leader').getByTestId('score-plus-5').click();
    await row(ada, 'Leader').getByTestId('score-plus-5').click();
    await pointerAway(ada);
    await until(ada, 'the ranking', () => shown(ada), [
      ['Leader', 10],
      ['Chaser', 0],
    ]);

    // Fifteen clicks on one spot, where Chaser's +1 was: Chaser passes Leader after the eleventh.
    const target = await row(ada, 'Chaser').getByTestId('score-plus-1').boundingBox();
    if (!target) throw new Error("Chaser's +1 is not on screen");
    for (let click = 0; click < 15; click++) {
      await ada.mouse.click(target.x + target.width / 2, target.y + target.height / 2);
      await ada.waitForTimeout(120);
    }
    // The pointer is still there: the rows have not moved, the ranks say who leads.
    expect(await shown(ada)).toEqual([
      ['Leader', 10],
      ['Chaser', 15],
    ]);
    expect(await row(ada, 'Chaser').getAttribute('data-rank')).toBe('1');
    await ada.getByTestId('ranking-held').filter({ hasText: 'The ranking moves once you leave the table.' }).waitFor();
    await screenshot(ada, 'scoreboard-held');

    // Once the pointer leaves, the ranking moves; the other person saw every click.
    await pointerAway(ada);
    for (const page of [ada, grace]) {
      if (page === grace) await openBoard(grace, boardName);
      await until(page, 'the ranking', () => shown(page), [
        ['Chaser', 15],
        ['Leader', 10],
      ]);
    }
    expect(await ada.getByTestId('ranking').getAttribute('data-held')).toBe('false');
  }, 60_000);

  it('keeps the focus on its control when its row re-ranks, and holds the rows for the keyboard', async () => {
    const [ada, grace] = browsers.pages;
    // Clicked with the mouse: the focus stays on the button, which moves with its row once the pointer leaves.
    await row(ada, 'Leader').getByTestId('score-plus-5').click();
    await row(ada, 'Leader').getByTestId('score-plus-5').click();
    expect((await shown(ada))[0]?.[0]).toBe('Chaser');
    await pointerAway(ada);
    await until(ada, 'the ranking', () => shown(ada), [
      ['Leader', 20],
      ['Chaser', 15],
    ]);
    expect(await focusedLabel(ada)).toBe('Add 5 to Leader');
    await ada.keyboard.press('Enter');
    await until(ada, 'the ranking', () => shown(ada), [
      ['Leader', 25],
      ['Chaser', 15],
    ]);

    // From the keyboard: Chaser's +5 three times passes Leader; each Enter lands on Chaser.
    await row(ada, 'Chaser').getByTestId('score-custom').click();
    await pointerAway(ada);
    await ada.keyboard.press('Shift+Tab');
    expect(await focusedLabel(ada)).toBe('Add 5 to Chaser');
    for (let press = 0; press < 3; press++) await ada.keyboard.press('Enter');
    await until(ada, 'the held rows', () => shown(ada), [
      ['Leader', 25],
      ['Chaser', 30],
    ]);
    expect(await focusedLabel(ada)).toBe('Add 5 to Chaser');

    // The focus leaving the table lets the ranking move.
    await ada.getByTestId('player-add-name').focus();
    for (const page of [ada, grace]) {
      await until(page, 'the ranking', () => shown(page), [
        ['Chaser', 30],
        ['Leader', 25],
      ]);
    }
    await ada.waitForTimeout(600);
    await screenshot(ada, 'scoreboard-after-rerank');
  }, 60_000);

  it('shows the same at phone width', async () => {
    const [ada] = browsers.pages;
    await ada.setViewportSize({ width: 390, height: 844 });
    await row(ada, 'Leader').scrollIntoViewIfNeeded({ timeout: waitMs });
    await screenshot(ada, 'scoreboard-phone');
    await ada.setViewportSize({ width: 1280, height: 800 });
  }, 30_000);
});
