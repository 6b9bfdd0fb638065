import { expect, it } from '@jest/globals';
import { describeInBrowser, screenshot, signIn, useBrowsers, waitMs } from './support/harness.js';
import { message } from './support/locators.js';

describeInBrowser('web app: chat in a public room, two browsers', () => {
  const browsers = useBrowsers();

  it('signs in two people who then chat live in one room', async () => {
    const [ada, grace] = browsers.pages;
    await signIn(ada, browsers.baseUrl, 'Ada');
    await signIn(grace, browsers.baseUrl, 'Grace');

    const roomName = `Design review ${Date.now().toString(36)}`;
    await ada.getByTestId('room-create-name').fill(roomName);
    await ada.getByTestId('room-create-submit').click();
    await ada.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor({ timeout: waitMs });

    // Grace's list was loaded before the room existed: the room appears in it live.
    await grace.getByTestId('room-item').filter({ hasText: roomName }).click({ timeout: waitMs });
    await grace.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor({ timeout: waitMs });

    await ada.getByTestId('composer-input').fill('Hello Grace, the new layout is up.');
    await ada.getByTestId('composer-input').press('Enter');
    const received = message(grace, 'Hello Grace, the new layout is up.');
    await received.waitFor({ timeout: waitMs });
    expect(await received.innerText()).toContain('Ada');
    expect(await received.getAttribute('data-own')).toBe('false');
    expect(await message(ada, 'Hello Grace, the new layout is up.').getAttribute('data-own')).toBe('true');

    // Markup in a message is shown as text, never interpreted.
    await grace.getByTestId('composer-input').fill('Looks calm. <b>Ship it</b>');
    await grace.getByTestId('composer-send').click();
    const reply = message(ada, 'Looks calm. <b>Ship it</b>');
    await reply.waitFor({ timeout: waitMs });
    expect(await reply.innerText()).toContain('Grace');
    expect(await reply.locator('b').count()).toBe(0);

    for (const page of [ada, grace]) {
      await page
        .getByTestId('presence')
        .filter({ hasText: 'Ada' })
        .filter({ hasText: 'Grace' })
        .waitFor({ timeout: waitMs });
      expect(await page.getByTestId('connection-badge').getAttribute('data-state')).toBe('connected');
      expect(await page.getByTestId('connection-badge').innerText()).toContain('Connected');
    }

    await screenshot(ada, 'chat-public-room');
  }, 60_000);
});
