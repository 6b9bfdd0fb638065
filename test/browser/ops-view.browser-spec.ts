import { expect, it } from '@jest/globals';
import { describeInBrowser, screenshot, signIn, until, useBrowsers, waitMs } from './support/harness.js';
import { message } from './support/locators.js';

describeInBrowser('web app: the live operations view', () => {
  const browsers = useBrowsers();

  it('is offered to the operator only, and moves while another page sends messages', async () => {
    const [root, guest] = browsers.pages;
    // With OPERATORS unset, the first account created is the operator.
    await signIn(root, browsers.baseUrl, 'Root');
    await signIn(guest, browsers.baseUrl, 'Guest');

    await root.getByTestId('section-ops').click({ timeout: waitMs });
    await root.getByTestId('ops-node').first().waitFor({ timeout: waitMs });

    for (let index = 0; index < 8; index++) {
      await guest.getByTestId('composer-input').fill(`busy ${index}`);
      await guest.getByTestId('composer-input').press('Enter');
      await message(guest, `busy ${index}`).first().waitFor({ timeout: waitMs });
    }
    const okRate = root.locator('[data-title="Commands/s"] [data-series="ok"]');
    await until(
      root,
      'the commands chart',
      async () => Number(/[\d.]+/.exec(await okRate.innerText())?.[0] ?? 0) > 0,
      true,
    );
    await root.getByTestId('ops-rooms').getByText('#general').waitFor({ timeout: waitMs });
    expect(await root.locator('[data-testid="ops-chart"] polyline').count()).toBeGreaterThanOrEqual(6);
    await screenshot(root, 'ops-view');

    // Not an operator: no tab, and the address alone does not open the view.
    expect(await guest.getByTestId('section-ops').count()).toBe(0);
    await guest.goto(`${browsers.baseUrl}/#/ops`);
    await guest.getByTestId('composer-input').waitFor({ timeout: waitMs });
    expect(await guest.getByTestId('ops-node').count()).toBe(0);
  }, 60_000);
});
