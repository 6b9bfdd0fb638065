import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TandemClient } from '@tandem/client';
import { ChatBroadcast, generalRoom, type MessageCreated } from '@tandem/contract';
import { startClient, stopClients, until } from './support/client-core.js';
import { startServer, type TestServer } from './support/server.js';

/**
 * What one's own message looks like while it is sent: its pending copy (from the outbox), then
 * the stored message, never both. `shown` counts the copies of `text` the client shows now.
 */
function watchCopies(client: TandemClient, shown: () => number) {
  const counts: number[] = [];
  const look = () => counts.push(shown());
  const stops = [client.chat.state.subscribe(look), client.outbox.entries.subscribe(look)];
  return {
    counts,
    stop: () => stops.forEach((stop) => stop()),
  };
}

/**
 * The broadcast of the message as it reaches the sender's own socket: whether the pending copy
 * was still there (the ack not in yet) as it came, and whether it was gone once it was applied.
 */
function watchOwnBroadcast(client: TandemClient, text: string) {
  const socket = client.chat.connection.socket;
  const heard: { payload: MessageCreated; pendingBefore: boolean; pendingAfter: boolean }[] = [];
  const pending = () => client.chat.messages.queued().some((outgoing) => outgoing.text === text);
  let pendingBefore = false;
  // `onAny` runs before the client's own listener, a listener added now after it.
  socket.onAny((event: string, payload: MessageCreated) => {
    if (event === ChatBroadcast.MessageCreated && payload.message.text === text) pendingBefore = pending();
  });
  socket.on(ChatBroadcast.MessageCreated, (payload) => {
    if (payload.message.text === text) heard.push({ payload, pendingBefore, pendingAfter: pending() });
  });
  return heard;
}

describe('one’s own message while it is sent', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });

  afterEach(async () => {
    await stopClients();
  });

  afterAll(async () => {
    await server.close();
  });

  it('is replaced by the stored message as its broadcast, carrying the opId, comes: never shown twice', async () => {
    const text = `hello ${Date.now().toString(36)}`;
    const ada = await startClient(server.url, 'Ada');
    const grace = await startClient(server.url, 'Grace');
    expect(await ada.chat.rooms.open(generalRoom.id)).toBe(true);
    expect(await grace.chat.rooms.open(generalRoom.id)).toBe(true);
    const heardByGrace: MessageCreated[] = [];
    grace.chat.connection.socket.on(ChatBroadcast.MessageCreated, (payload) => heardByGrace.push(payload));
    const messagesOf = (client: TandemClient) => client.chat.state.get().views[generalRoom.id]?.messages ?? [];
    const copies = watchCopies(
      ada,
      () =>
        messagesOf(ada).filter((message) => message.text === text).length +
        ada.chat.messages.queued().filter((outgoing) => outgoing.text === text).length,
    );
    const heardByAda = watchOwnBroadcast(ada, text);

    ada.chat.messages.send(generalRoom.id, text);
    const opId = ada.outbox.entries.get().at(-1)!.opId;
    await until(ada.chat.state, () => messagesOf(ada).some((message) => message.text === text), 'the stored message');
    await ada.drained();
    copies.stop();

    // On one node the broadcast is written before the ack: it is what replaced the pending copy.
    expect(heardByAda).toEqual([
      { payload: expect.objectContaining({ opId }), pendingBefore: true, pendingAfter: false },
    ]);
    expect(copies.counts).toContain(1);
    expect(Math.max(...copies.counts)).toBe(1);
    expect(messagesOf(ada).filter((message) => message.text === text)).toHaveLength(1);
    expect(ada.outbox.entries.get()).toEqual([]);
    // Everyone in the room hears the opId; only the sender's clients hold it.
    await until(grace.chat.state, () => messagesOf(grace).some((message) => message.text === text), 'Grace’s copy');
    expect(heardByGrace.find((payload) => payload.message.text === text)).toEqual(
      expect.objectContaining({ opId, message: expect.objectContaining({ author: ada.chat.me }) }),
    );
  });

  it('in a thread, likewise: the pending reply gives way to the stored one, never both', async () => {
    const text = `reply ${Date.now().toString(36)}`;
    const ada = await startClient(server.url, 'Ada');
    expect(await ada.chat.rooms.open(generalRoom.id)).toBe(true);
    const parent = ada.chat.state.get().views[generalRoom.id].messages.at(-1)!;
    expect(await ada.chat.threads.open(parent.id)).toBe(true);
    const threadOutbox = () => ada.chat.messages.queued().filter((outgoing) => outgoing.replyTo === parent.id);
    const repliesOf = () => ada.chat.state.get().thread?.replies ?? [];
    const copies = watchCopies(
      ada,
      () =>
        repliesOf().filter((reply) => reply.text === text).length +
        threadOutbox().filter((outgoing) => outgoing.text === text).length,
    );
    const heardByAda = watchOwnBroadcast(ada, text);

    ada.chat.threads.reply(text);
    const opId = ada.outbox.entries.get().at(-1)!.opId;
    await until(ada.chat.state, () => repliesOf().some((reply) => reply.text === text), 'the stored reply');
    await ada.drained();
    copies.stop();

    expect(heardByAda).toEqual([
      {
        payload: expect.objectContaining({ opId, message: expect.objectContaining({ replyTo: parent.id }) }),
        pendingBefore: true,
        pendingAfter: false,
      },
    ]);
    expect(Math.max(...copies.counts)).toBe(1);
    expect(repliesOf().filter((reply) => reply.text === text)).toHaveLength(1);
    expect(ada.outbox.entries.get()).toEqual([]);
  });

  it('a system message’s broadcast carries no opId', async () => {
    const heard: MessageCreated[] = [];
    const ada = await startClient(server.url, `Ada ${Date.now().toString(36)}`);
    expect(await ada.chat.rooms.open(generalRoom.id)).toBe(true);
    ada.chat.connection.socket.on(ChatBroadcast.MessageCreated, (payload) => heard.push(payload));
    const newcomer = await startClient(server.url, `Newcomer ${Date.now().toString(36)}`);
    expect(await newcomer.chat.rooms.open(generalRoom.id)).toBe(true);
    await until(ada.chat.state, () => heard.some((payload) => payload.message.kind === 'system'), 'the join notice');
    expect(heard.find((payload) => payload.message.kind === 'system')).not.toHaveProperty('opId');
  });
});
