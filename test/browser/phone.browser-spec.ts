import { randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { ChatBroadcast, ChatCommand, generalRoom, type Message, type ReadUpdated } from '@tandem/contract';
import type { Page } from 'playwright-core';
import { chatClient, commandOk, eventually, record } from '../support/clients.js';
import { screenSizes } from './support/axe.js';
import { describeInBrowser, screenshot, signIn, until, useBrowsers, waitMs } from './support/harness.js';
import { message, roomItem } from './support/locators.js';

/** What the functions run in the page use of its elements (the suites have no DOM types). */
interface FocusableElement {
  ownerDocument: { activeElement: unknown };
}
interface ScrollingElement {
  scrollHeight: number;
  scrollBy(x: number, y: number): void;
  scrollTo(x: number, y: number): void;
}

interface ShiftRecord {
  layoutShift: number;
  PerformanceObserver: new (
    callback: (list: { getEntries(): { value: number; hadRecentInput: boolean }[] }) => void,
  ) => {
    observe(options: { type: string; buffered: boolean }): void;
  };
}

/** Runs before the page's scripts: adds up its layout shifts (CLS's entries) not caused by input. */
function recordLayoutShifts(): void {
  const page = globalThis as unknown as ShiftRecord;
  page.layoutShift = 0;
  new page.PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) page.layoutShift += entry.value;
  }).observe({ type: 'layout-shift', buffered: true });
}

/** Pictures of the phone layout, once the drawer has slid away (when it is not the picture's subject). */
async function phoneScreenshot(page: Page, name: string): Promise<void> {
  if (!name.includes('drawer')) await page.locator('#drawer').waitFor({ state: 'hidden', timeout: waitMs });
  await screenshot(page, name);
}

/** Nothing wider than the screen: the page never scrolls sideways. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const widths = await page.evaluate(() => {
    const root = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document.documentElement;
    return { scroll: root.scrollWidth, client: root.clientWidth };
  });
  expect(widths.scroll).toBeLessThanOrEqual(widths.client);
}

async function isInViewport(page: Page, testId: string): Promise<boolean> {
  const box = await page.getByTestId(testId).boundingBox();
  const { height, width } = screenSizes.phone;
  return box !== null && box.y >= 0 && box.y + box.height <= height && box.x >= 0 && box.x + box.width <= width;
}

/** Whether keyboard focus is inside the drawer. */
function focusInDrawer(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { activeElement: { closest(s: string): unknown } | null } })
      .document;
    return doc.activeElement?.closest('#drawer') !== null && doc.activeElement?.closest('#drawer') !== undefined;
  });
}

describeInBrowser('web app on a phone (390×844)', () => {
  const browsers = useBrowsers({ people: 1 });

  it('shows the chat in one column with the composer on screen, and the rooms in a drawer', async () => {
    const [ada] = browsers.pages;
    await ada.setViewportSize(screenSizes.phone);
    await signIn(ada, browsers.baseUrl, 'Ada');
    await ada.getByTestId('current-room-name').filter({ hasText: 'general' }).waitFor({ timeout: waitMs });

    expect(await isInViewport(ada, 'composer-input')).toBe(true);
    expect(await ada.getByTestId('room-create-name').isVisible()).toBe(false);
    await expectNoSidewaysScroll(ada);

    // The drawer: focus goes in and stays in, Escape closes it and gives focus back to its button.
    const toggle = ada.getByTestId('drawer-toggle');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await ada.getByRole('dialog', { name: 'Rooms' }).waitFor({ timeout: waitMs });
    expect(await focusInDrawer(ada)).toBe(true);
    for (let press = 0; press < 12; press++) {
      await ada.keyboard.press(press % 3 === 2 ? 'Shift+Tab' : 'Tab');
      expect(await focusInDrawer(ada)).toBe(true);
    }
    await phoneScreenshot(ada, 'phone-drawer');
    await ada.keyboard.press('Escape');
    await ada.getByRole('dialog').waitFor({ state: 'detached', timeout: waitMs });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await toggle.evaluate((element: FocusableElement) => element === element.ownerDocument.activeElement)).toBe(
      true,
    );

    // Creating a room from the drawer closes it and shows the room; so does picking one.
    await toggle.click();
    const roomName = `Standup ${Date.now().toString(36)}`;
    await ada.getByTestId('room-create-name').fill(roomName);
    await ada.getByTestId('room-create-submit').click();
    await ada.getByTestId('current-room-name').filter({ hasText: roomName }).waitFor({ timeout: waitMs });
    await ada.getByRole('dialog').waitFor({ state: 'detached', timeout: waitMs });
    await toggle.click();
    await roomItem(ada, 'general').click();
    await ada.getByTestId('current-room-name').filter({ hasText: 'general' }).waitFor({ timeout: waitMs });
    await ada.getByRole('dialog').waitFor({ state: 'detached', timeout: waitMs });
    // A tap beside the drawer closes it too.
    await toggle.click();
    await ada.mouse.click(screenSizes.phone.width - 20, screenSizes.phone.height / 2);
    await ada.getByRole('dialog').waitFor({ state: 'detached', timeout: waitMs });
  }, 60_000);

  it('loads older history as the message log is scrolled up, the composer staying in place', async () => {
    const [ada] = browsers.pages;
    const { socket } = await chatClient(browsers.baseUrl, 'Grace');
    await commandOk(socket, ChatCommand.RoomJoin, { roomId: generalRoom.id });
    const reads = record<ReadUpdated>(socket, ChatBroadcast.ReadUpdated);
    let lastSeq = 0;
    for (let index = 1; index <= 80; index++) {
      const { message: sent } = await commandOk<{ message: Message }>(socket, ChatCommand.MessageSend, {
        opId: randomUUID(),
        roomId: generalRoom.id,
        text: `Line ${String(index).padStart(3, '0')}`,
      });
      lastSeq = sent.seq;
    }
    // Ada has read them all (her marker is sent at most once a second): the reload shows the latest
    // page, not a "new messages" divider near the top that would page back at once.
    await eventually(
      () => reads.some((read) => read.user.name === 'Ada' && read.readSeq >= lastSeq),
      "Ada's read marker at the last line",
    );
    // And the view kept for the reload (in IndexedDB, written a second after a change at the
    // latest) holds the latest page: one written mid-burst would show the first lines at once.
    await ada.waitForTimeout(1_500);
    socket.disconnect();

    // Nothing on the page moves as it fills in (the people's strip has its height from the start).
    await ada.addInitScript(recordLayoutShifts);
    await ada.reload();
    await message(ada, 'Line 080').waitFor({ timeout: waitMs });
    await ada.getByTestId('presence').filter({ hasText: 'Grace' }).waitFor({ timeout: waitMs });
    expect(await ada.evaluate(() => (globalThis as unknown as ShiftRecord).layoutShift)).toBe(0);
    expect(await message(ada, 'Line 001').count()).toBe(0);
    const log = ada.getByRole('log');
    // Scrolled up by the reader, a page at a time, until the first line has come in.
    await until(
      ada,
      'the first line after scrolling up',
      async () => {
        await log.evaluate((element: ScrollingElement) => element.scrollBy(0, -element.scrollHeight));
        return message(ada, 'Line 001').count();
      },
      1,
    );
    expect(await ada.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY)).toBe(0);
    expect(await isInViewport(ada, 'composer-input')).toBe(true);
    await expectNoSidewaysScroll(ada);
    await log.evaluate((element: ScrollingElement) => element.scrollTo(0, element.scrollHeight));
    await message(ada, 'Line 080').waitFor({ timeout: waitMs });
    await phoneScreenshot(ada, 'phone-chat');
  }, 60_000);

  it('gives the scoreboard and the lists the whole width, every field wide enough to read', async () => {
    const [ada] = browsers.pages;
    const toggle = ada.getByTestId('drawer-toggle');
    await ada.getByTestId('section-scoreboard').click();
    const empty = ada.getByRole('heading', { name: 'No board open' });
    await empty.waitFor({ timeout: waitMs });
    expect(await ada.locator('main').innerText()).not.toContain('on the left');
    await ada.getByTestId('drawer-browse').click();
    await ada.getByTestId('board-create-name').fill('Quiz night');
    await ada.getByTestId('board-create-submit').click();
    const playerName = ada.getByTestId('player-add-name');
    await playerName.waitFor({ timeout: waitMs });
    // The player's field keeps its width; the checkbox and the button go under it.
    expect((await playerName.boundingBox())?.width).toBeGreaterThan(250);
    for (const [team, points] of [
      ['Team Blue', 3],
      ['Team Red', 5],
      ['Team Green', 1],
    ] as const) {
      await playerName.fill(team);
      await ada.getByTestId('player-add-submit').click();
      const row = ada.getByTestId('player-row').filter({ hasText: team });
      await row.waitFor({ timeout: waitMs });
      for (let point = 0; point < points; point++) await row.getByTestId('score-plus-1').click();
    }
    await expectNoSidewaysScroll(ada);
    await ada.mouse.move(5, screenSizes.phone.height - 5);
    await phoneScreenshot(ada, 'phone-scoreboard');

    await ada.getByTestId('section-lists').click();
    await toggle.click();
    await ada.getByTestId('list-create-title').fill('Groceries');
    await ada.getByTestId('list-create-submit').click();
    for (const text of ['Oat milk', 'Coffee beans', 'Lemons']) {
      await ada.getByTestId('item-create-text').fill(text);
      await ada.getByTestId('item-create-text').press('Enter');
    }
    await ada.getByTestId('item').nth(2).waitFor({ timeout: waitMs });
    expect((await ada.getByTestId('item-create-text').boundingBox())?.width).toBeGreaterThan(250);
    await expectNoSidewaysScroll(ada);
    await phoneScreenshot(ada, 'phone-lists');
  }, 60_000);
});
