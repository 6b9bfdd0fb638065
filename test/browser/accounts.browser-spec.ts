import { expect, it } from '@jest/globals';
import { HttpRoute } from '@tandem/contract';
import type { Page } from 'playwright-core';
import { connectedBadge, describeInBrowser, screenshot, signIn, useBrowsers } from './support/harness.js';
import { expectNoAxeViolations, screenSizes } from './support/axe.js';
import { roomItem } from './support/locators.js';

const password = 'correct horse battery';

/** The session the page keeps in localStorage. */
function stored(page: Page): Promise<{ token?: string; user?: { id: string } }> {
  return page.evaluate(() => {
    const storage = (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage;
    return JSON.parse(storage.getItem('tandem.session') ?? '{}') as { token?: string; user?: { id: string } };
  });
}

async function createPrivateRoom(page: Page, name: string): Promise<void> {
  await page.getByTestId('room-create-name').fill(name);
  await page.getByTestId('room-create-private').check();
  await page.getByTestId('room-create-submit').click();
  await page.getByTestId('current-room-name').filter({ hasText: name }).waitFor();
}

async function signInToAccount(page: Page, username: string, secret: string): Promise<void> {
  await page.getByTestId('signin-mode-signin').click();
  await page.getByTestId('account-username').fill(username);
  await page.getByTestId('account-password').fill(secret);
  await page.getByTestId('account-submit').click();
}

describeInBrowser('web app: accounts', () => {
  const browsers = useBrowsers();

  it('signs up, signs out (ending the token on the server), and signs in again as the same person', async () => {
    const [laptop, phone] = browsers.pages;
    await laptop.goto(browsers.baseUrl);
    await laptop.getByTestId('signin-mode-signup').click();
    await laptop.getByTestId('account-username').fill('ada');
    await laptop.getByTestId('account-password').fill(password);
    await laptop.getByTestId('account-name').fill('Ada Lovelace');
    await screenshot(laptop, 'accounts-sign-up');
    await expectNoAxeViolations(laptop, 'the sign-up form');
    await laptop.getByTestId('account-submit').click();
    await connectedBadge(laptop).waitFor();
    expect(await laptop.getByTestId('account-kind').innerText()).toBe('@ada');
    const roomName = `Engine notes ${Date.now().toString(36)}`;
    await createPrivateRoom(laptop, roomName);
    const first = await stored(laptop);

    // The account panel, for the README: change the password from here.
    await laptop.getByTestId('account-menu').click();
    await laptop.getByTestId('password-current').waitFor();
    await screenshot(laptop, 'accounts-signed-in');
    await expectNoAxeViolations(laptop, 'the account panel');
    // On a phone the top bar keeps the avatar (the panel's button) and Sign out, without the name.
    await laptop.setViewportSize(screenSizes.phone);
    await laptop.waitForTimeout(500);
    await screenshot(laptop, 'accounts-phone-account-panel');
    await expectNoAxeViolations(laptop, 'the account panel on a phone');
    await laptop.keyboard.press('Escape');
    await laptop.setViewportSize(screenSizes.desktop);

    await laptop.getByTestId('sign-out').click();
    await laptop.getByTestId('signin-name').waitFor();
    // The token no longer works on the server, not only in this page.
    const refresh = await fetch(`${browsers.baseUrl}${HttpRoute.SessionRefresh}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.token ?? ''}` },
    });
    expect(refresh.status).toBe(401);

    // A wrong password is told as such; the right one brings back the same person and the room.
    await signInToAccount(laptop, 'ada', 'not the password');
    expect(await laptop.getByTestId('signin-problem').innerText()).toBe('Wrong username or password.');
    await laptop.getByTestId('account-password').fill(password);
    await laptop.getByTestId('account-submit').click();
    await connectedBadge(laptop).waitFor();
    expect((await stored(laptop)).user?.id).toBe(first.user?.id);
    await roomItem(laptop, roomName).waitFor();

    // Another device, with the username typed in another case: the same person, the same room.
    await phone.goto(browsers.baseUrl);
    await signInToAccount(phone, 'ADA', password);
    await connectedBadge(phone).waitFor();
    expect((await stored(phone)).user?.id).toBe(first.user?.id);
    await roomItem(phone, roomName).waitFor();
    expect(await phone.getByTestId('account-kind').innerText()).toBe('@ada');

    // A password change on the laptop signs the phone out; the laptop carries on.
    await laptop.getByTestId('account-menu').click();
    await laptop.getByTestId('password-current').fill(password);
    await laptop.getByTestId('password-new').fill('an even longer secret');
    await laptop.getByTestId('account-save').click();
    await laptop.getByTestId('account-outcome').filter({ hasText: 'Password changed' }).waitFor();
    expect(await phone.getByTestId('signin-problem').innerText()).toMatch(/^You were signed out/);
    await connectedBadge(laptop).waitFor();
    await laptop.getByTestId('composer-input').fill('still here');
    await laptop.getByTestId('composer-input').press('Enter');
    await laptop
      .getByTestId('message')
      .filter({ hasText: 'still here' })
      .and(laptop.locator(':not([data-pending])'))
      .waitFor();
  }, 60_000);

  it('lets a guest keep their identity, private room included', async () => {
    const [, phone] = browsers.pages;
    await signIn(phone, browsers.baseUrl, 'Grace');
    expect(await phone.getByTestId('account-kind').innerText()).toBe('guest');
    const roomName = `Compiler ideas ${Date.now().toString(36)}`;
    await createPrivateRoom(phone, roomName);
    const guest = await stored(phone);

    await phone.getByTestId('account-menu').click();
    await expectNoAxeViolations(phone, "a guest's account panel");
    await phone.getByTestId('claim-username').fill('grace');
    await phone.getByTestId('claim-password').fill(password);
    await phone.getByTestId('account-save').click();
    await phone.getByTestId('account-outcome').filter({ hasText: 'Saved' }).waitFor();
    expect(await phone.getByTestId('account-kind').innerText()).toBe('@grace');

    await phone.getByTestId('sign-out').click();
    await signInToAccount(phone, 'grace', password);
    await connectedBadge(phone).waitFor();
    expect((await stored(phone)).user?.id).toBe(guest.user?.id);
    await roomItem(phone, roomName).waitFor();
  }, 60_000);
});
