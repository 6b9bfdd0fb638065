import { expect, it } from '@jest/globals';
import { describeInBrowser, screenshot, signIn, until, useBrowsers, waitMs } from './support/harness.js';
import { message, roomItem } from './support/locators.js';

describeInBrowser('web app: chat in a private room, two browsers', () => {
  const browsers = useBrowsers();

  it('keeps a private room hidden until joined by code, then edits, reacts, deletes and counts unread live', async () => {
    const [ada, grace] = browsers.pages;
    await signIn(ada, browsers.baseUrl, 'Ada');
    await signIn(grace, browsers.baseUrl, 'Grace');

    // A private room is not in another person's list…
    const roomName = `Launch plan ${Date.now().toString(36)}`;
    await ada.getByTestId('room-create-name').fill(roomName);
    await ada.getByTestId('room-create-private').check();
    await ada.getByTestId('room-create-submit').click();
    await ada.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor({ timeout: waitMs });
    await ada.getByTestId('current-room-share').click();
    const roomId = await ada.getByTestId('current-room-id').innerText();
    const inviteCode = await ada.getByTestId('current-room-invite').innerText();

    await roomItem(grace, 'general').waitFor({ timeout: waitMs });
    expect(await roomItem(grace, roomName).count()).toBe(0);

    // …until they join it by its id and invite code.
    await grace.getByTestId('room-join-id').fill(roomId);
    await grace.getByTestId('room-join-code').fill(inviteCode);
    await grace.getByTestId('room-join-submit').click();
    await grace.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor({ timeout: waitMs });
    await roomItem(grace, roomName).waitFor({ timeout: waitMs });

    // A mention is highlighted, as text.
    await ada.getByTestId('composer-input').fill('Draft for @Grace: ship on Friday');
    await ada.getByTestId('composer-input').press('Enter');
    const draft = message(grace, 'ship on Friday');
    await draft.waitFor({ timeout: waitMs });
    expect(await draft.getByTestId('mention').innerText()).toBe('@Grace');

    // Up in the empty composer edits the last message; the edit shows live in the other page.
    await until(ada, 'the sent message', () => message(ada, 'ship on Friday').getAttribute('data-pending'), null);
    await ada.getByTestId('composer-input').press('ArrowUp');
    const editor = ada.getByTestId('message-edit-input');
    await editor.fill('Final: ship on Monday, @Grace');
    await editor.press('Enter');
    const edited = message(grace, 'ship on Monday');
    await edited.getByTestId('message-edited').waitFor({ timeout: waitMs });
    expect(await message(grace, 'ship on Friday').count()).toBe(0);
    expect(await edited.getByTestId('message-edited').getAttribute('title')).toMatch(/^Edited /);
    // Only one's own messages offer Edit and Delete.
    expect(await edited.getByTestId('message-edit').count()).toBe(0);
    expect(await message(ada, 'ship on Monday').getByTestId('message-edit').count()).toBe(1);

    // A reaction picked with the keyboard in one page appears live in the other.
    await edited.hover();
    await edited.getByTestId('reaction-picker').click();
    await grace.getByTestId('reaction-picker-menu').waitFor({ timeout: waitMs });
    await grace.keyboard.press('ArrowRight');
    await grace.keyboard.press('ArrowLeft');
    await grace.keyboard.press('Enter');
    const reaction = message(ada, 'ship on Monday').locator('[data-testid="reaction"][data-emoji="👍"]');
    await reaction.waitFor({ timeout: waitMs });
    expect(await reaction.getAttribute('data-count')).toBe('1');
    expect(await reaction.getAttribute('title')).toContain('Grace');
    expect(await reaction.getAttribute('aria-pressed')).toBe('false');
    expect(
      await message(grace, 'ship on Monday')
        .locator('[data-testid="reaction"][data-emoji="👍"]')
        .getAttribute('aria-pressed'),
    ).toBe('true');

    // Grace has seen it: Ada's last message says so, and Grace shows as online.
    await ada.getByTestId('seen-by').filter({ hasText: 'Grace' }).waitFor({ timeout: waitMs });
    await ada
      .locator('[data-testid="presence-status"][data-user="Grace"][data-status="online"]')
      .waitFor({ timeout: waitMs });

    // A delete, confirmed, shows as deleted in the other page.
    await ada.getByTestId('composer-input').fill('Wrong room, sorry');
    await ada.getByTestId('composer-input').press('Enter');
    await message(grace, 'Wrong room, sorry').waitFor({ timeout: waitMs });
    const mistake = message(ada, 'Wrong room, sorry');
    await until(ada, 'the sent message', () => mistake.getAttribute('data-pending'), null);
    await mistake.hover();
    await mistake.getByTestId('message-delete').click();
    await ada.getByTestId('message-delete-confirm').click();
    await grace
      .locator('[data-testid="message"][data-deleted="true"]')
      .filter({ hasText: 'message deleted' })
      .waitFor({ timeout: waitMs });
    expect(await message(grace, 'Wrong room, sorry').count()).toBe(0);

    // Away in another room, Grace sees the unread count of this one grow.
    await roomItem(grace, 'general').click();
    await grace.getByTestId('current-room-name').filter({ hasText: 'general' }).waitFor({ timeout: waitMs });
    await ada.getByTestId('composer-input').fill('Anyone around?');
    await ada.getByTestId('composer-input').press('Enter');
    await ada.getByTestId('composer-input').fill('The deck is ready, @Grace');
    await ada.getByTestId('composer-input').press('Enter');
    const badge = roomItem(grace, roomName).getByTestId('unread-badge');
    await until(grace, 'the unread badge', () => badge.innerText(), '2');
    await until(
      grace,
      'the mention badge',
      () => roomItem(grace, roomName).getByTestId('mention-badge').innerText(),
      '@1',
    );

    // Back in the room, the new messages start under a divider, and the badge is gone.
    await roomItem(grace, roomName).click();
    const divider = grace.getByTestId('new-messages-divider');
    await divider.waitFor({ timeout: waitMs });
    const next = grace.locator('[data-testid="new-messages-divider"] + [data-testid="message"]');
    expect(await next.innerText()).toContain('Anyone around?');
    expect(await badge.count()).toBe(0);

    await screenshot(grace, 'chat-private-room');
  }, 90_000);
});
