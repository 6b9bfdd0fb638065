import type { Locator, Page } from 'playwright-core';

/** A chat message whose text contains `text`. */
export function message(page: Page, text: string): Locator {
  return page.getByTestId('message').filter({ hasText: text });
}

/** A room in the room list. */
export function roomItem(page: Page, name: string): Locator {
  return page.getByTestId('room-item').filter({ hasText: name });
}

/** A list item whose text is exactly `text`. */
export function item(page: Page, text: string): Locator {
  return page.getByTestId('item').filter({ has: page.getByTestId('item-text').getByText(text, { exact: true }) });
}

/** A scoreboard row whose player is named exactly `name`. */
export function playerRow(page: Page, name: string): Locator {
  return page
    .getByTestId('player-row')
    .filter({ has: page.getByTestId('player-name').getByText(name, { exact: true }) });
}
