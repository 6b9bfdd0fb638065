import { expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { connectedBadge, describeInBrowser, screenshot, signIn, useBrowsers } from './support/harness.js';
import { message, roomItem } from './support/locators.js';

function offlineBadge(page: Page) {
  return page.locator('[data-testid="connection-badge"][data-state="offline"]');
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-input').press('Enter');
  await message(page, text).and(page.locator('[data-seq]')).waitFor();
}

function thumbsUp(page: Page, text: string) {
  return message(page, text).locator('[data-testid="reaction"][data-emoji="👍"]');
}

describeInBrowser('web app: reactions, edits and deletes made offline', () => {
  const browsers = useBrowsers();

  it('queues them like messages, shows them at once, and sends them once the connection is back', async () => {
    const [ada, grace] = browsers.pages;
    await signIn(ada, browsers.baseUrl, 'Ada');
    await signIn(grace, browsers.baseUrl, 'Grace');
    const roomName = `Night train ${Date.now().toString(36)}`;
    await ada.getByTestId('room-create-name').fill(roomName);
    await ada.getByTestId('room-create-submit').click();
    await ada.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor();
    const refresh = grace.getByRole('button', { name: 'Refresh the room list' });
    if ((await roomItem(grace, roomName).count()) === 0 && (await refresh.count()) > 0) await refresh.click();
    await roomItem(grace, roomName).click();
    await grace.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor();
    await say(grace, 'Boarding at nine');
    await say(ada, 'Seat 42, coach hte');
    await say(ada, 'Wrong thread');

    await ada.context().setOffline(true);
    await offlineBadge(ada).waitFor();

    // A reaction from the picker.
    const graces = message(ada, 'Boarding at nine');
    await graces.hover();
    await graces.getByTestId('reaction-picker').click();
    await ada.getByTestId('reaction-option').first().click();
    await thumbsUp(ada, 'Boarding at nine').waitFor();
    expect(await thumbsUp(ada, 'Boarding at nine').getAttribute('aria-pressed')).toBe('true');

    // An edit and a delete.
    const typo = message(ada, 'Seat 42, coach hte');
    await typo.hover();
    await typo.getByTestId('message-edit').click();
    await ada.getByTestId('message-edit-input').fill('Seat 42, coach the third');
    await ada.getByTestId('message-edit-input').press('Enter');
    const wrong = message(ada, 'Wrong thread');
    await wrong.hover();
    await wrong.getByTestId('message-delete').click();
    await ada.getByTestId('message-delete-confirm').click();

    for (const text of ['Boarding at nine', 'Seat 42, coach the third']) {
      await message(ada, text).getByTestId('message-change-pending').filter({ hasText: 'queued' }).waitFor();
    }
    const deleted = ada.locator('[data-testid="message"][data-deleted="true"]');
    await deleted.getByTestId('message-change-pending').filter({ hasText: 'queued' }).waitFor();
    // Nothing reached Grace yet.
    expect(await thumbsUp(grace, 'Boarding at nine').count()).toBe(0);
    expect(await message(grace, 'Wrong thread').count()).toBe(1);
    await screenshot(ada, 'chat-offline-changes');

    await ada.context().setOffline(false);
    await connectedBadge(ada).waitFor();
    await thumbsUp(grace, 'Boarding at nine').waitFor();
    await message(grace, 'Seat 42, coach the third').getByTestId('message-edited').waitFor();
    await grace.locator('[data-testid="message"][data-deleted="true"]').waitFor();
    expect(await message(grace, 'Wrong thread').count()).toBe(0);
    await ada.getByTestId('message-change-pending').first().waitFor({ state: 'detached' });
    expect(await thumbsUp(ada, 'Boarding at nine').getAttribute('data-count')).toBe('1');
  }, 60_000);
});
