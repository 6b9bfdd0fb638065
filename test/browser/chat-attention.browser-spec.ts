import { expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { connectedBadge, describeInBrowser, screenshot, signIn, until, useBrowsers } from './support/harness.js';
import { message, roomItem } from './support/locators.js';

function focusedTestId(page: Page): Promise<string | null> {
  return page.locator(':focus').getAttribute('data-testid');
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-input').press('Enter');
  await message(page, text).and(page.locator('[data-pending]')).waitFor({ state: 'detached' });
}

describeInBrowser('web app: where the focus goes, and what asks for attention', () => {
  const browsers = useBrowsers();

  it('focuses the name on load, lands in general after signing in, and puts the cursor in the composer of each room opened', async () => {
    const [ada] = browsers.pages;
    await ada.goto(browsers.baseUrl);
    await until(ada, 'the focused field', () => focusedTestId(ada), 'signin-name');
    await ada.keyboard.type('Ada');
    await ada.keyboard.press('Enter');
    await connectedBadge(ada).waitFor();
    await ada.getByTestId('current-room-name').filter({ hasText: 'general' }).waitFor();
    await until(ada, 'the focused field', () => focusedTestId(ada), 'composer-input');

    const roomName = `Side room ${Date.now().toString(36)}`;
    await ada.getByTestId('room-create-name').fill(roomName);
    await ada.getByTestId('room-create-submit').click();
    await ada.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor();
    await until(ada, 'the focused field', () => focusedTestId(ada), 'composer-input');

    await roomItem(ada, 'general').click();
    await ada.getByTestId('current-room-name').filter({ hasText: 'general' }).waitFor();
    await until(ada, 'the focused field', () => focusedTestId(ada), 'composer-input');
  }, 60_000);

  it('shows a mention on the Chat tab and in the title while another view is shown', async () => {
    const [ada, grace] = browsers.pages;
    await signIn(grace, browsers.baseUrl, 'Grace');
    await grace.getByTestId('current-room-name').filter({ hasText: 'general' }).waitFor();

    await ada.getByTestId('section-scoreboard').click();
    await connectedBadge(ada).waitFor();
    await say(grace, '@Ada the board is ready');
    await ada.getByTestId('chat-mention-badge').filter({ hasText: '@1' }).waitFor();
    await until(ada, 'the title', async () => (await ada.title()).startsWith('(@1) '), true);
    await screenshot(ada, 'mention-on-scoreboard');

    // Still there on the lists, gone once the message is read.
    await ada.getByTestId('section-lists').click();
    await until(ada, 'the title', async () => (await ada.title()).startsWith('(@1) '), true);
    await ada.getByTestId('section-chat').click();
    await message(ada, '@Ada the board is ready').waitFor();
    await ada.getByTestId('chat-mention-badge').waitFor({ state: 'detached' });
    expect(await ada.title()).not.toContain('@');
  }, 60_000);

  it('puts "New messages" above what came while away, never above what came while watching', async () => {
    const [ada, grace] = browsers.pages;
    // Opened afresh, after the mention was read: nothing is new.
    await roomItem(ada, 'Side room').click();
    await roomItem(ada, 'general').click();
    await ada.getByTestId('current-room-name').filter({ hasText: 'general' }).waitFor();
    expect(await ada.getByTestId('new-messages-divider').count()).toBe(0);
    await say(grace, 'Said while Ada watches');
    await message(ada, 'Said while Ada watches').waitFor();
    expect(await ada.getByTestId('new-messages-divider').count()).toBe(0);

    await ada.getByTestId('section-scoreboard').click();
    await connectedBadge(ada).waitFor();
    await say(grace, 'Said while Ada is away');
    await ada.getByTestId('section-chat').click();
    const afterDivider = ada.locator('[data-testid="new-messages-divider"] + [data-testid="message"]');
    await afterDivider.waitFor();
    expect(await afterDivider.innerText()).toContain('Said while Ada is away');

    // Watching again: the next message comes under the same single divider.
    await say(grace, 'Said once Ada is back');
    await message(ada, 'Said once Ada is back').waitFor();
    expect(await ada.getByTestId('new-messages-divider').count()).toBe(1);
    expect(await afterDivider.innerText()).toContain('Said while Ada is away');
    await screenshot(ada, 'chat-new-messages');
  }, 60_000);
});
