import { expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { describeInBrowser, screenshot, signIn, until, useBrowsers } from './support/harness.js';

/** Markup that runs script if it is ever parsed as HTML; each marks the page it ran in. */
const payloads = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=2</script>',
  '<svg onload="window.__pwned=3;alert(3)">',
];
/** Elements that only exist in the document if a payload was parsed. */
const injected = 'img[src="x"], svg[onload], script:not([src])';

/**
 * Records, from the first document on, what the Content-Security-Policy blocked: the server's
 * policy stops inline handlers and scripts, so such a violation is the sign that markup got
 * parsed. Blocked `eval` is left out: zod probes for it (`new Function`) on its first parse.
 */
const recordViolations = `
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    if (event.blockedURI === 'eval') return;
    window.__violations.push(event.violatedDirective + ' ' + (event.sample || event.blockedURI));
  });
`;

/** Messages of the other person (one's own name shows in "joined" lines too). */
function theirMessage(page: Page, text: string) {
  return page.locator('[data-testid="message"][data-own="false"]').filter({ hasText: text });
}

async function texts(page: Page, testId: string): Promise<string[]> {
  return (await page.getByTestId(testId).allInnerTexts()).map((text) => text.trim());
}

describeInBrowser('web app: markup from others is shown as text, never run', () => {
  const browsers = useBrowsers();

  it('shows payloads in messages, room, board, player and list item names, and names, as typed', async () => {
    const [ada, grace] = browsers.pages;
    const dialogs: string[] = [];
    for (const page of [ada, grace]) {
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.addInitScript({ content: recordViolations });
    }
    const graceName = `Grace ${payloads[0]}`;
    await signIn(ada, browsers.baseUrl, 'Ada');
    await signIn(grace, browsers.baseUrl, graceName);

    // A room named with markup, and messages of markup, both ways.
    const roomName = payloads[0];
    await ada.getByTestId('room-create-name').fill(roomName);
    await ada.getByTestId('room-create-submit').click();
    await ada.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor();
    await grace.getByTestId('room-item').filter({ hasText: roomName }).click();
    await grace.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor();
    expect(await grace.getByTestId('current-room-name').innerText()).toBe(roomName);

    for (const payload of payloads) {
      await ada.getByTestId('composer-input').fill(payload);
      await ada.getByTestId('composer-input').press('Enter');
      await theirMessage(grace, payload).waitFor();
    }
    await grace.getByTestId('composer-input').fill(payloads[1]);
    await grace.getByTestId('composer-send').click();
    expect(await theirMessage(ada, payloads[1]).innerText()).toContain(graceName);
    await ada.getByTestId('presence').filter({ hasText: graceName }).waitFor();

    // A board named with markup, with players named with markup.
    for (const page of [ada, grace]) await page.getByTestId('section-scoreboard').click();
    await ada.getByTestId('board-create-name').fill(payloads[2]);
    await ada.getByTestId('board-create-submit').click();
    await ada.getByTestId('current-board-name').filter({ hasText: payloads[2] }).waitFor();
    for (const payload of payloads) {
      await ada.getByTestId('player-add-name').fill(payload);
      await ada.getByTestId('player-add-submit').click();
      await ada.getByTestId('player-name').filter({ hasText: payload }).waitFor();
    }
    await grace.getByTestId('board-item').filter({ hasText: payloads[2] }).click();
    await until(grace, 'the ranking', async () => (await texts(grace, 'player-name')).sort(), [...payloads].sort());
    expect(await grace.getByTestId('current-board-name').innerText()).toBe(payloads[2]);

    // A list titled with markup, with items of markup.
    for (const page of [ada, grace]) await page.getByTestId('section-lists').click();
    await ada.getByTestId('list-create-title').fill(payloads[1]);
    await ada.getByTestId('list-create-submit').click();
    await ada.getByTestId('current-list-title').filter({ hasText: payloads[1] }).waitFor();
    for (const payload of payloads) {
      await ada.getByTestId('item-create-text').fill(payload);
      await ada.getByTestId('item-create-text').press('Enter');
    }
    await grace.getByTestId('list-item').filter({ hasText: payloads[1] }).click();
    await until(grace, 'the list', () => texts(grace, 'item-text'), payloads);
    expect(await grace.getByTestId('current-list-title').innerText()).toBe(payloads[1]);

    // Back in the room, for the picture: the name and the messages read as they were typed.
    await grace.getByTestId('section-chat').click();
    for (const payload of payloads) await theirMessage(grace, payload).waitFor();
    await screenshot(grace, 'xss');

    for (const page of [ada, grace]) {
      const marks = await page.evaluate(() => {
        const scope = globalThis as { __pwned?: unknown; __violations?: string[] };
        return { pwned: typeof scope.__pwned, violations: scope.__violations };
      });
      expect(marks).toEqual({ pwned: 'undefined', violations: [] });
      expect(await page.locator(injected).count()).toBe(0);
    }
    expect(dialogs).toEqual([]);
  }, 90_000);
});
