import { expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { playerRow as row } from './support/locators.js';
import { describeInBrowser, pointerAway, screenshot, signIn, until, useBrowsers, waitMs } from './support/harness.js';

/** Waits until the ranking shows exactly these names in this order, with these ranks. */
function ranking(page: Page, expected: [name: string, rank: number][]): Promise<void> {
  const read = async () =>
    Promise.all(
      (await page.getByTestId('player-row').all()).map(async (element): Promise<[string, number]> => [
        (await element.getByTestId('player-name').innerText()).trim(),
        Number(await element.getAttribute('data-rank')),
      ]),
    );
  return until(page, 'the ranking', read, expected);
}

describeInBrowser('web app: a live scoreboard in two browsers', () => {
  const browsers = useBrowsers();

  it('moves the ranking in one page when scores are added in the other', async () => {
    const [ada, grace] = browsers.pages;
    await signIn(ada, browsers.baseUrl, 'Ada', 'scoreboard');
    await signIn(grace, browsers.baseUrl, 'Grace', 'scoreboard');

    const boardName = `Quiz night ${Date.now().toString(36)}`;
    await ada.getByTestId('board-create-name').fill(boardName);
    await ada.getByTestId('board-create-submit').click();
    await ada.getByTestId('current-board-name').filter({ hasText: boardName }).waitFor({ timeout: waitMs });
    for (const name of ['Alpha', 'Bravo', 'Charlie']) {
      await ada.getByTestId('player-add-name').fill(name);
      await ada.getByTestId('player-add-submit').click();
      await row(ada, name).waitFor({ timeout: waitMs });
    }

    // Grace's list was loaded before the board existed: the board appears in it live.
    await grace.getByTestId('board-item').filter({ hasText: boardName }).click({ timeout: waitMs });
    await ranking(grace, [
      ['Alpha', 1],
      ['Bravo', 1],
      ['Charlie', 1],
    ]);

    // Ada's increments reorder Grace's table.
    await row(ada, 'Charlie').getByTestId('score-plus-5').click();
    await row(ada, 'Bravo').getByTestId('score-plus-1').click();
    await pointerAway(ada);
    await ranking(grace, [
      ['Charlie', 1],
      ['Bravo', 2],
      ['Alpha', 3],
    ]);
    expect(await row(grace, 'Charlie').getByTestId('player-score').innerText()).toBe('5');

    // And Grace's reorder Ada's: two +5 put Alpha on top; a custom +4 ties Bravo with Charlie, who got there first.
    await row(grace, 'Alpha').getByTestId('score-plus-5').click();
    await row(grace, 'Alpha').getByTestId('score-plus-5').click();
    await row(grace, 'Bravo').getByTestId('score-custom').fill('4');
    await row(grace, 'Bravo').getByTestId('score-custom-submit').click();
    await pointerAway(grace);
    for (const page of [ada, grace]) {
      await ranking(page, [
        ['Alpha', 1],
        ['Charlie', 2],
        ['Bravo', 2],
      ]);
    }

    // Only the owner may reset; Grace sees the new round start at zero.
    expect(await grace.getByTestId('board-reset').count()).toBe(0);
    await grace.getByTestId('history-load').click();
    await ada.getByTestId('board-reset').click();
    await ada.getByTestId('board-reset-confirm').click();
    await grace.getByTestId('current-round').filter({ hasText: 'Round 2' }).waitFor({ timeout: waitMs });
    await ranking(grace, [
      ['Alpha', 1],
      ['Bravo', 1],
      ['Charlie', 1],
    ]);
    await grace
      .getByTestId('round-history')
      .filter({ hasText: 'Round 1' })
      .filter({ hasText: 'Alpha (10)' })
      .waitFor({ timeout: waitMs });

    await row(ada, 'Bravo').getByTestId('score-plus-5').click();
    await row(ada, 'Charlie').getByTestId('score-plus-1').click();
    await ranking(grace, [
      ['Bravo', 1],
      ['Charlie', 2],
      ['Alpha', 3],
    ]);

    await grace.getByTestId('round-history').locator('summary').first().click();
    // Let the rows finish sliding to their places (a 350 ms animation) before the picture.
    await grace.waitForTimeout(600);
    await screenshot(grace, 'scoreboard');
  }, 60_000);
});
