import { expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { describeInBrowser, screenshot, signIn, until, useBrowsers, waitMs } from './support/harness.js';
import { message } from './support/locators.js';

/** Writes in the room's composer and sends. */
async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-send').click();
}

async function reply(page: Page, text: string): Promise<void> {
  await page.getByTestId('thread-reply-input').fill(text);
  await page.getByTestId('thread-reply-input').press('Enter');
}

describeInBrowser('web app: replies and threads', () => {
  const browsers = useBrowsers({ people: 2 });

  it('opens a thread from a message, and a reply from another page shows live in it and under the parent', async () => {
    const [ada, bob] = browsers.pages;
    await signIn(ada, browsers.baseUrl, 'Ada');
    await signIn(bob, browsers.baseUrl, 'Bob');
    await say(bob, 'Lunch plans for Friday?');
    const parentOnAda = message(ada, 'Lunch plans for Friday?');
    await parentOnAda.waitFor({ timeout: waitMs });

    // Ada answers in a thread: the message's Reply action opens it beside the room.
    await parentOnAda.hover();
    await parentOnAda.getByTestId('message-reply').click();
    const adaThread = ada.getByTestId('thread-panel');
    await adaThread.waitFor({ timeout: waitMs });
    expect(await adaThread.getByTestId('message').first().innerText()).toContain('Lunch plans for Friday?');
    await reply(ada, 'The noodle place at noon?');
    // The stored reply (with its seq) takes the place of its sending copy: one copy, never two.
    const noodles = adaThread.getByTestId('message').filter({ hasText: 'noodle place' });
    await noodles.and(ada.locator('[data-seq]')).waitFor({ timeout: waitMs });
    expect(await noodles.count()).toBe(1);

    // Bob sees the count and who replied under his message, live, and opens the thread from it.
    const summaryOnBob = message(bob, 'Lunch plans for Friday?').getByTestId('thread-summary');
    await summaryOnBob.waitFor({ timeout: waitMs });
    expect(await summaryOnBob.getByTestId('thread-reply-count').innerText()).toBe('1 reply');
    // The reply lives in the thread, not in the room's log.
    expect(await message(bob, 'noodle place').count()).toBe(0);
    await summaryOnBob.click();
    const bobThread = bob.getByTestId('thread-panel');
    await bobThread.getByTestId('message').filter({ hasText: 'noodle place' }).waitFor({ timeout: waitMs });

    // Replies from either page show in the other's thread at once.
    await reply(bob, 'Yes! I will book a table for four.');
    await adaThread.getByTestId('message').filter({ hasText: 'book a table' }).waitFor({ timeout: waitMs });
    await reply(ada, 'Perfect, see you there 🍜');
    await bobThread.getByTestId('message').filter({ hasText: 'see you there' }).waitFor({ timeout: waitMs });
    await until(bob, 'the count in the thread', () => bobThread.getByTestId('thread-count').innerText(), '3 replies');
    await until(
      ada,
      'the count under the parent',
      () => message(ada, 'Lunch plans for Friday?').getByTestId('thread-reply-count').innerText(),
      '3 replies',
    );
    await bob.mouse.move(5, 5);
    await screenshot(bob, 'chat-thread');

    // On a phone the thread takes the whole screen; closing it goes back to the room.
    await bob.setViewportSize({ width: 390, height: 844 });
    const box = await bobThread.boundingBox();
    expect(box).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
    await screenshot(bob, 'chat-thread-phone');
    await bobThread.getByTestId('thread-close').click();
    await bobThread.waitFor({ state: 'detached', timeout: waitMs });
    await message(bob, 'Lunch plans for Friday?').waitFor({ timeout: waitMs });
    await bob.setViewportSize({ width: 1280, height: 800 });

    // A reply found by search opens in its thread.
    await bob.getByTestId('message-search-input').fill('noodle');
    await bob.getByTestId('message-search-submit').click();
    await bob.getByTestId('message-search-result').first().click();
    await bobThread
      .getByTestId('message')
      .filter({ hasText: 'noodle place' })
      .and(bob.locator('[data-found="true"]'))
      .waitFor({ timeout: waitMs });
  }, 90_000);
});
