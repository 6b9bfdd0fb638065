import { randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { ChatCommand, Limits, generalRoom } from '@tandem/contract';
import { chatClient, closeAllClients, commandOk } from '../support/clients.js';
import { describeInBrowser, screenshot, signIn, useBrowsers, waitMs } from './support/harness.js';
import { message } from './support/locators.js';

describeInBrowser('web app: message search', () => {
  const browsers = useBrowsers({ people: 1 });

  it('finds an old message and jumps to it in its room, with the history around it loaded', async () => {
    // Someone else wrote it long ago: more than a room's first page of messages came after it.
    const { socket: bob } = await chatClient(browsers.baseUrl, 'Bob');
    await commandOk(bob, ChatCommand.RoomJoin, { roomId: generalRoom.id });
    const say = (text: string) =>
      commandOk(bob, ChatCommand.MessageSend, { opId: randomUUID(), roomId: generalRoom.id, text });
    await say('the quarterly numbers are in the shared folder');
    for (let index = 0; index < Limits.snapshotMessages + 10; index++) await say(`later chatter ${index}`);
    closeAllClients();

    const [ada] = browsers.pages;
    await signIn(ada, browsers.baseUrl, 'Ada');
    await message(ada, `later chatter ${Limits.snapshotMessages + 9}`).waitFor({ timeout: waitMs });
    expect(await message(ada, 'quarterly numbers').count()).toBe(0);

    await ada.getByTestId('message-search-input').fill('QUARTER "folder');
    await ada.getByTestId('message-search-submit').click();
    const result = ada.getByTestId('message-search-result');
    await result.first().waitFor({ timeout: waitMs });
    expect(await result.count()).toBe(1);
    expect(await result.innerText()).toContain('Bob in #general');
    expect(await result.locator('mark').allInnerTexts()).toEqual(['quarterly', 'folder']);

    await result.click();
    const found = message(ada, 'the quarterly numbers are in the shared folder');
    await found.and(ada.locator('[data-found="true"]')).waitFor({ timeout: waitMs });
    expect(await found.isVisible()).toBe(true);
    // The messages that followed it are there too.
    expect(await message(ada, 'later chatter 0').count()).toBe(1);
    await screenshot(ada, 'chat-search');
  }, 60_000);
});
