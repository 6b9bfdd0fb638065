import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generalRoom } from '@tandem/contract';
import { startTopBot, topThree } from '../examples/top-bot.js';
import { startClient, stopClients, until } from './support/client-core.js';
import { startServer, type TestServer } from './support/server.js';

describe('the README’s bot example (examples/top-bot.js)', () => {
  let server: TestServer;
  let dir: string;
  const bots: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    server = await startServer();
    dir = mkdtempSync(path.join(tmpdir(), 'tandem-bot-'));
  });

  afterAll(async () => {
    await Promise.all(bots.map((bot) => bot.stop()));
    await stopClients();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers !top in the room with the board’s top three, and nothing else', async () => {
    const stamp = Date.now().toString(36);
    const ada = await startClient(server.url, `Ada ${stamp}`);
    expect(await ada.scoreboard.createBoard(`Darts ${stamp}`, false)).toBe(true);
    for (const name of ['Alpha', 'Bravo', 'Charlie', 'Delta'])
      expect(await ada.scoreboard.players.add(name)).toBe(true);
    const board = (await until(ada.scoreboard.state, (state) => state.board?.players.length === 4, 'four players'))
      .board!;
    const id = (name: string) => board.players.find((player) => player.name === name)!.id;
    ada.scoreboard.addScore(id('Charlie'), 9);
    ada.scoreboard.addScore(id('Alpha'), 4);
    ada.scoreboard.addScore(id('Delta'), 4);
    await ada.drained();
    expect(await ada.chat.rooms.open(generalRoom.id)).toBe(true);

    const bot = await startTopBot({
      url: server.url,
      boardId: board.id,
      name: `Top bot ${stamp}`,
      outboxFile: path.join(dir, 'outbox.json'),
    });
    bots.push(bot);
    await until(
      bot.client.scoreboard.state,
      (state) => state.board?.seq === board.seq + 3,
      'the bot to see the scores',
    );

    const said = () =>
      (ada.chat.state.get().views[generalRoom.id]?.messages ?? []).filter((message) => message.kind === 'user');
    ada.chat.messages.send(generalRoom.id, 'hello there');
    ada.chat.messages.send(generalRoom.id, '!top');
    await until(ada.chat.state, () => said().some((message) => message.author.name === `Top bot ${stamp}`), 'a reply');
    const replies = said().filter((message) => message.author.name === `Top bot ${stamp}`);
    expect(replies.map((message) => message.text)).toEqual([
      `Top of Darts ${stamp}: 1. Charlie (9), 2. Alpha (4), 2. Delta (4)`,
    ]);
  });

  it('says so when the board has no players', () => {
    expect(topThree('Empty', [])).toBe('Empty has no players yet.');
  });
});
