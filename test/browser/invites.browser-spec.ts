import { expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { expectNoAxeViolations } from './support/axe.js';
import { playerRow } from './support/locators.js';
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

async function createBoard(page: Page, name: string, isPrivate: boolean): Promise<void> {
  await page.getByTestId('board-create-name').fill(name);
  if (isPrivate) await page.getByTestId('board-create-private').check();
  await page.getByTestId('board-create-submit').click();
  await page.getByTestId('current-board-name').filter({ hasText: name }).waitFor({ timeout: waitMs });
}

function presenterNames(page: Page): Promise<string[]> {
  return page.getByTestId('presenter-player').allInnerTexts();
}

describeInBrowser('web app: invite links, PINs and the presenter view', () => {
  // Ada and Grace sign in; the third person opens an invite link before ever signing in.
  const browsers = useBrowsers({ people: 3 });

  it('opens a private room from its invite link in a fresh browser, through the sign-in screen', async () => {
    const [ada, , newcomer] = browsers.pages;
    await signIn(ada, browsers.baseUrl, 'Ada');
    const roomName = `Launch ${Date.now().toString(36)}`;
    await ada.getByTestId('room-create-name').fill(roomName);
    await ada.getByTestId('room-create-private').check();
    await ada.getByTestId('room-create-submit').click();
    await ada.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor({ timeout: waitMs });
    expect(await ada.getByTestId('current-room-copy-link').innerText()).toBe('Copy invite link');
    await ada.getByTestId('current-room-share').click();
    const link = await ada.getByTestId('current-room-link').inputValue();
    const roomId = await ada.getByTestId('current-room-id').innerText();
    expect(link).toMatch(new RegExp(`^${browsers.baseUrl}/join/room/${roomId}#[A-Za-z0-9_-]+$`));
    await screenshot(ada, 'invite-link');

    await newcomer.goto(link);
    await newcomer.getByTestId('signin-name').fill('Linus');
    await newcomer.getByTestId('signin-submit').click();
    await newcomer.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor({ timeout: waitMs });
    // The code is spent: the address is the room's own, and a reload stays there as a member.
    await newcomer.waitForURL(`${browsers.baseUrl}/rooms/${roomId}`);
    await newcomer.reload();
    await connectedBadge(newcomer).waitFor({ timeout: waitMs });
    await newcomer.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor({ timeout: waitMs });
    await newcomer.getByTestId('presence').filter({ hasText: 'Linus' }).waitFor({ timeout: waitMs });
  });

  it('joins a private board by its PIN, refuses a wrong one, and the presenter view follows scores live', async () => {
    const [ada, grace] = browsers.pages;
    await ada.getByTestId('section-scoreboard').click();
    await signIn(grace, browsers.baseUrl, 'Grace', 'scoreboard');
    const boardName = `Quiz night ${Date.now().toString(36)}`;
    await createBoard(ada, boardName, true);
    for (const name of ['Alpha', 'Bravo', 'Charlie']) {
      await ada.getByTestId('player-add-name').fill(name);
      await ada.getByTestId('player-add-submit').click();
      await playerRow(ada, name).waitFor({ timeout: waitMs });
    }
    await ada.getByTestId('current-board-share').click();
    const pin = await ada.getByTestId('board-pin').innerText();
    expect(pin).toMatch(/^[1-9][0-9]{5}$/);
    await ada.getByTestId('board-qr').locator('svg').waitFor({ timeout: waitMs });
    await screenshot(ada, 'board-share');
    await expectNoAxeViolations(ada, 'the board share panel');
    // On a phone, the panel stays on the screen.
    await ada.setViewportSize({ width: 390, height: 844 });
    await ada.waitForTimeout(500);
    const panel = await ada.getByRole('group', { name: 'Share this board' }).boundingBox();
    expect(panel && panel.x >= 0 && panel.x + panel.width <= 390).toBe(true);
    await screenshot(ada, 'board-share-phone');
    await ada.setViewportSize({ width: 1280, height: 800 });
    await ada.getByTestId('current-board-share').click();

    // A PIN of the wrong shape is caught before sending; a PIN of no board is refused by the server.
    await grace.getByTestId('board-pin-join-input').fill('12345');
    await grace.getByTestId('board-pin-join-submit').click();
    await grace.getByText('The PIN must be 6 digits, the first not 0.').waitFor({ timeout: waitMs });
    const wrong = pin === '999999' ? '999998' : '999999';
    await grace.getByTestId('board-pin-join-input').fill(wrong);
    await grace.getByTestId('board-pin-join-submit').click();
    await grace.getByText('Could not join by PIN: no board has this PIN').waitFor({ timeout: waitMs });

    await grace.getByTestId('board-pin-join-input').fill(pin);
    await grace.getByTestId('board-pin-join-submit').click();
    await grace.getByTestId('current-board-name').filter({ hasText: boardName }).waitFor({ timeout: waitMs });
    await expectNoAxeViolations(grace, 'the scoreboard with Join with PIN');
    expect(new URL(grace.url()).pathname).toMatch(/^\/boards\/[0-9a-f-]{36}$/);

    // Ada presents the board on a big screen; Grace's scores re-rank it there.
    await ada.setViewportSize({ width: 1920, height: 1080 });
    await ada.getByTestId('board-present').click();
    await ada.getByTestId('presenter').waitFor({ timeout: waitMs });
    expect(new URL(ada.url()).pathname).toMatch(/\/present$/);
    expect(await ada.getByTestId('presenter-pin').innerText()).toBe(pin);
    await ada.getByTestId('presenter-qr').locator('svg').waitFor({ timeout: waitMs });
    await until(ada, 'the presenter ranking', () => presenterNames(ada), ['Alpha', 'Bravo', 'Charlie']);

    await playerRow(grace, 'Charlie').getByTestId('score-plus-5').click();
    await playerRow(grace, 'Bravo').getByTestId('score-plus-1').click();
    await pointerAway(grace);
    await until(ada, 'the presenter ranking', () => presenterNames(ada), ['Charlie', 'Bravo', 'Alpha']);
    await until(ada, 'the scores', () => ada.getByTestId('presenter-score').allInnerTexts(), ['5', '1', '0']);
    await ada.waitForTimeout(700);
    await screenshot(ada, 'presenter');
    await expectNoAxeViolations(ada, 'the presenter view');

    // A reload keeps presenting; Escape goes back to the board.
    await ada.reload();
    await until(ada, 'the presenter ranking', () => presenterNames(ada), ['Charlie', 'Bravo', 'Alpha']);
    await ada.keyboard.press('Escape');
    await ada.getByTestId('current-board-name').filter({ hasText: boardName }).waitFor({ timeout: waitMs });
    await ada.setViewportSize({ width: 1280, height: 800 });

    // The owner makes a new PIN: shown at once.
    await ada.getByTestId('current-board-share').click();
    await ada.getByTestId('board-pin-rotate').click();
    await until(ada, 'the PIN', async () => (await ada.getByTestId('board-pin').innerText()) !== pin, true);
    expect(await grace.getByTestId('board-pin-rotate').count()).toBe(0);
  });
});
