import { it } from '@jest/globals';
import { expectNoAxeViolations, screenSizes } from './support/axe.js';
import { describeInBrowser, pointerAway, signIn, useBrowsers, waitMs } from './support/harness.js';

describeInBrowser('web app: axe-core finds nothing on any view, on a laptop and on a phone', () => {
  // The first person is the operator (OPERATORS unset), so the Operations view is checked too.
  const browsers = useBrowsers({ people: 2 });

  for (const [size, viewport] of Object.entries(screenSizes)) {
    it(`${size} (${viewport.width}×${viewport.height}): sign-in, chat, scoreboard, lists, operations, the drawer`, async () => {
      const page = browsers.pages[size === 'desktop' ? 0 : 1];
      const phone = size === 'phone';
      await page.setViewportSize(viewport);
      await page.goto(browsers.baseUrl);
      await page.getByTestId('signin-name').waitFor({ timeout: waitMs });
      await expectNoAxeViolations(page, `${size}: sign-in`);

      await signIn(page, browsers.baseUrl, phone ? 'Grace' : 'Ada');
      const suffix = `${size} ${Date.now().toString(36)}`;

      // Chat, with one's own message and someone's system line, and every control of the room.
      await page.getByTestId('current-room-name').filter({ hasText: 'general' }).waitFor({ timeout: waitMs });
      await page.getByTestId('composer-input').fill(`Checking contrast on a ${size}`);
      await page.getByTestId('composer-input').press('Enter');
      // Sent and acknowledged: its final look, not the "sending" one.
      await page
        .locator('[data-testid="message"][data-own="true"]:not([data-pending])')
        .filter({ hasText: `Checking contrast on a ${size}` })
        .waitFor({ timeout: waitMs });
      await expectNoAxeViolations(page, `${size}: chat`);

      // The sidebar: in place on a laptop, in the drawer on a phone.
      if (phone) await page.getByTestId('drawer-toggle').click();
      await page.getByTestId('room-create-name').waitFor({ state: 'visible', timeout: waitMs });
      await expectNoAxeViolations(page, `${size}: room list${phone ? ' in the drawer' : ''}`);
      if (phone) await page.keyboard.press('Escape');

      await page.getByTestId('section-scoreboard').click();
      if (phone) await page.getByTestId('drawer-browse').waitFor({ timeout: waitMs });
      await expectNoAxeViolations(page, `${size}: scoreboard, no board open`);
      if (phone) await page.getByTestId('drawer-toggle').click();
      await page.getByTestId('board-create-name').fill(`Quiz ${suffix}`);
      await page.getByTestId('board-create-submit').click();
      await page.getByTestId('player-add-name').fill('Team Blue');
      await page.getByTestId('player-add-submit').click();
      await page.getByTestId('player-row').first().waitFor({ timeout: waitMs });
      await pointerAway(page);
      await expectNoAxeViolations(page, `${size}: scoreboard`);

      await page.getByTestId('section-lists').click();
      if (phone) await page.getByTestId('drawer-toggle').click();
      await page.getByTestId('list-create-title').fill(`Groceries ${suffix}`);
      await page.getByTestId('list-create-submit').click();
      await page.getByTestId('item-create-text').fill('Oat milk');
      await page.getByTestId('item-create-text').press('Enter');
      await page.getByTestId('item').first().waitFor({ timeout: waitMs });
      await expectNoAxeViolations(page, `${size}: lists`);

      if (!phone) {
        await page.getByTestId('section-ops').click();
        await page.getByTestId('ops-node').first().waitFor({ timeout: waitMs });
        await expectNoAxeViolations(page, `${size}: operations`);
      }
    }, 60_000);
  }
});
