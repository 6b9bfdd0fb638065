import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MemoryOutboxStorage, Session, type TandemClient } from '@tandem/client';
import { FileOutboxStorage } from '@tandem/client/node';
import { generalRoom, type SessionCreated } from '@tandem/contract';
import { startClient, startClientFor, stopClients, until } from './support/client-core.js';
import { startServer, type TestServer } from './support/server.js';
import { tcpProxy, type TcpProxy } from './support/tcp-proxy.js';

/** A client's three connections, all dropped. */
function allDisconnected(client: TandemClient): Promise<unknown> {
  return Promise.all(
    client.features.map((feature) =>
      until(feature.connection.status, (status) => status.connection !== 'connected', `${feature.namespace} to drop`),
    ),
  );
}

/** Sets up a board with two players and a list with one item, and opens `general`: what the tests change offline. */
async function setUp(ada: TandemClient, stamp: string) {
  expect(await ada.scoreboard.createBoard(`Darts ${stamp}`, false)).toBe(true);
  expect(await ada.scoreboard.players.add('Leader')).toBe(true);
  expect(await ada.scoreboard.players.add('Chaser')).toBe(true);
  const board = (await until(ada.scoreboard.state, (state) => state.board?.players.length === 2, 'two players')).board!;
  expect(await ada.lists.catalog.create(`Groceries ${stamp}`, false)).toBe(true);
  ada.lists.items.add('milk');
  await ada.drained();
  const list = ada.lists.state.get().list!;
  expect(await ada.chat.rooms.open(generalRoom.id)).toBe(true);
  return { board, list };
}

/** The texts of the replies the client's open thread holds. */
function replies(client: TandemClient): string[] {
  return client.chat.state.get().thread?.replies.map((reply) => reply.text) ?? [];
}

describe('@tandem/client against a real server', () => {
  let server: TestServer;
  let proxy: TcpProxy;
  let proxied: string;
  let proxyCut = false;
  const cut = async () => {
    proxyCut = true;
    await proxy.cut();
  };
  const restore = async () => {
    proxyCut = false;
    await proxy.restore();
  };
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    proxy = await tcpProxy({ host: '127.0.0.1', port: Number(new URL(server.url).port) });
    proxied = `http://127.0.0.1:${proxy.port}`;
  });

  afterEach(async () => {
    await stopClients();
    if (proxyCut) await proxy.restore();
    proxyCut = false;
  });

  afterAll(async () => {
    await proxy.close();
    await server.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('queues score, list and chat changes offline and sends them all on reconnecting while chat is in use', async () => {
    const stamp = Date.now().toString(36);
    const ada = await startClient(proxied, `Ada ${stamp}`);
    const grace = await startClient(server.url, `Grace ${stamp}`);
    const { board, list } = await setUp(ada, stamp);
    const [leader, chaser] = board.players;
    const milk = Object.values(ada.lists.state.get().confirmed)[0];

    await cut();
    await allDisconnected(ada);
    ada.scoreboard.addScore(chaser.id, 5);
    ada.scoreboard.addScore(leader.id, 2);
    ada.scoreboard.addScore(chaser.id, 5);
    ada.lists.items.add('eggs');
    ada.lists.items.setDone(milk, true);
    ada.chat.messages.send(generalRoom.id, `offline hello ${stamp}`);
    expect(ada.outbox.entries.get().map((entry) => [entry.namespace, entry.status])).toEqual([
      ['/scoreboard', 'queued'],
      ['/scoreboard', 'queued'],
      ['/scoreboard', 'queued'],
      ['/lists', 'queued'],
      ['/lists', 'queued'],
      ['/chat', 'queued'],
    ]);
    // Shown at once: the projections include what is queued.
    const shown = Object.fromEntries(ada.scoreboard.ranked().map((player) => [player.name, player.score]));
    expect(shown).toEqual({ Leader: 2, Chaser: 10 });

    await restore();
    await ada.connected();
    await ada.drained();

    // What another client reads from the server is what Ada's client shows.
    expect(await grace.scoreboard.open(board.id)).toBe(true);
    const seen = (
      await until(grace.scoreboard.state, (state) => (state.board?.players[0]?.score ?? 0) === 10, 'scores')
    ).board!;
    await until(ada.scoreboard.state, (state) => state.awaiting.length === 0, 'the board to include every change');
    expect(seen.players.map(({ name, score, rank }) => ({ name, score, rank }))).toEqual(
      ada.scoreboard.ranked().map(({ name, score, rank }) => ({ name, score, rank })),
    );
    expect(await grace.lists.open(list.id)).toBe(true);
    const items = (state: TandemClient) => state.lists.shown().map(({ text, done }) => ({ text, done }));
    await until(grace.lists.state, () => grace.lists.shown().length === 2, 'two items');
    expect(items(grace)).toEqual([
      { text: 'milk', done: true },
      { text: 'eggs', done: false },
    ]);
    expect(items(ada)).toEqual(items(grace));
    expect(await grace.chat.rooms.open(generalRoom.id)).toBe(true);
    const texts = (client: TandemClient) =>
      client.chat.state.get().views[generalRoom.id]?.messages.map((message) => message.text) ?? [];
    expect(texts(grace)).toContain(`offline hello ${stamp}`);
    await until(ada.chat.state, () => texts(ada).includes(`offline hello ${stamp}`), 'the message in Ada’s view');
    expect(ada.chat.messages.queued()).toEqual([]);
  });

  it('keeps the queue in a file: a restarted script sends what it had queued, once', async () => {
    const stamp = Date.now().toString(36);
    const dir = mkdtempSync(path.join(tmpdir(), 'tandem-outbox-'));
    dirs.push(dir);
    const file = path.join(dir, 'outbox.json');
    let kept: SessionCreated | null = null;
    const session = new Session(proxied, { load: () => kept, save: (value) => (kept = value) });
    expect(await session.signIn(`Bot ${stamp}`)).toBe(true);
    const first = await startClientFor(proxied, session, new FileOutboxStorage(file));
    const { board } = await setUp(first, stamp);
    const chaser = board.players[1];

    await cut();
    await allDisconnected(first);
    first.scoreboard.addScore(chaser.id, 7);
    await first.stop();
    await restore();

    const restarted = new Session(proxied, { load: () => kept, save: (value) => (kept = value) });
    const second = await startClientFor(proxied, restarted, new FileOutboxStorage(file));
    await second.drained();
    const grace = await startClient(server.url, `Grace ${stamp}`);
    expect(await grace.scoreboard.open(board.id)).toBe(true);
    const players = grace.scoreboard.state.get().board!.players;
    expect(players.find((player) => player.id === chaser.id)?.score).toBe(7);
    await second.outbox.settled();
    expect(await new FileOutboxStorage(file).load(restarted.user!.id)).toEqual(
      expect.objectContaining({ entries: [] }),
    );
  });

  it('rolls a refused change back and says why', async () => {
    const stamp = Date.now().toString(36);
    const notices: string[] = [];
    const session = new Session(server.url);
    expect(await session.signIn(`Ada ${stamp}`)).toBe(true);
    const ada = await startClientFor(server.url, session, new MemoryOutboxStorage(), (notice) =>
      notices.push(notice.text),
    );
    const { board } = await setUp(ada, stamp);
    const leader = board.players[0];
    // A removed player can take no score: the server refuses, and the change leaves the view.
    expect(await ada.scoreboard.players.remove(leader.id)).toBe(true);
    await until(ada.scoreboard.state, (state) => state.board?.players.length === 1, 'the player removed');
    ada.scoreboard.addScore(leader.id, 3);
    await ada.drained();
    expect(ada.scoreboard.pending()).toEqual([]);
    expect(ada.scoreboard.ranked().map((player) => player.score)).toEqual([0]);
    expect(notices).toEqual([expect.stringMatching(/^Could not add \+3 to /)]);
  });

  it('keeps an open thread live, counts its own unread, and catches up after a reconnect', async () => {
    const ada = await startClient(proxied, 'Ada');
    const grace = await startClient(server.url, 'Grace');
    expect(await grace.chat.rooms.open(generalRoom.id)).toBe(true);
    expect(await ada.chat.rooms.open(generalRoom.id)).toBe(true);
    grace.chat.messages.send(generalRoom.id, 'thread parent');
    const roomOf = (client: TandemClient) => client.chat.state.get().views[generalRoom.id];
    await until(ada.chat.state, () => roomOf(ada).messages.some((m) => m.text === 'thread parent'), 'the parent');
    const parent = roomOf(ada).messages.find((message) => message.text === 'thread parent')!;

    expect(await ada.chat.threads.open(parent.id)).toBe(true);
    expect(await grace.chat.threads.open(parent.id)).toBe(true);
    // Ada looks elsewhere: Grace's replies count as the thread's unread, never in the room's.
    ada.chat.threads.lookingAt = () => false;
    grace.chat.threads.reply('first');
    await until(ada.chat.state, () => replies(ada).includes('first'), 'the reply in Ada’s thread');
    expect(ada.chat.state.get().thread?.unread).toBe(1);
    const countOf = () => roomOf(ada).messages.find((message) => message.id === parent.id)?.thread?.replyCount;
    await until(ada.chat.state, () => countOf() === 1, 'the parent’s count');
    expect(roomOf(ada).messages.map((message) => message.text)).not.toContain('first');
    expect(roomOf(ada).unread).toBe(0);
    ada.chat.threads.seen();
    expect(ada.chat.state.get().thread?.unread).toBe(0);

    // Away, then back: the rejoin's missed changes bring the reply and the new count.
    await cut();
    await until(ada.chat.connection.status, (status) => status.connection !== 'connected', 'Ada to drop');
    grace.chat.threads.reply('while you were away');
    ada.chat.threads.reply('written offline');
    await restore();
    await ada.connected();
    await ada.drained();
    await until(ada.chat.state, () => replies(ada).length === 3, 'every reply in Ada’s thread');
    expect(replies(ada)).toEqual(['first', 'while you were away', 'written offline']);
    await until(grace.chat.state, () => replies(grace).includes('written offline'), 'Ada’s queued reply at Grace’s');
    await until(ada.chat.state, () => countOf() === 3, 'the parent’s count of three');
    expect(ada.chat.state.get().thread?.parent?.thread?.latestRepliers.map((user) => user.name)).toEqual([
      'Ada',
      'Grace',
    ]);
  }, 60_000);
});
