import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  ChatSignal,
  type Ack,
  type ChatCommandResults,
  type TypingChanged,
} from '@tandem/contract';
import { chatClient, closeAllClients, command, commandOk, record, settle } from './support/clients.js';
import { startServer, type TestServer } from './support/server.js';

describe('rate limits', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_BURST: '20', RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_USER_FACTOR: '2' });
  });
  afterAll(async () => {
    closeAllClients();
    await server.close();
  });

  it("limits one client's flood while another client's command is still acked within 2 s", async () => {
    const { socket: flooder } = await chatClient(server.url, 'flooder');
    const { socket: bystander } = await chatClient(server.url, 'bystander');
    const { room } = await commandOk<ChatCommandResults['room:create']>(flooder, ChatCommand.RoomCreate, {
      name: 'flood',
    });
    await commandOk(flooder, ChatCommand.RoomJoin, { roomId: room.id });
    await commandOk(bystander, ChatCommand.RoomJoin, { roomId: room.id });

    const flood = Array.from(
      { length: 3_000 },
      (_, i) =>
        flooder
          .timeout(20_000)
          .emitWithAck(ChatCommand.MessageSend, { opId: randomUUID(), roomId: room.id, text: `spam ${i}` }) as Promise<
          Ack<unknown>
        >,
    );
    const started = Date.now();
    const bystanderAck = await command(bystander, ChatCommand.MessageSend, {
      opId: randomUUID(),
      roomId: room.id,
      text: 'still here',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(bystanderAck.ok).toBe(true);

    const acks = await Promise.all(flood);
    const limited = acks.filter((ack) => !ack.ok && ack.error.code === 'RATE_LIMITED');
    const accepted = acks.filter((ack) => ack.ok);
    expect(limited.length + accepted.length).toBe(3_000);
    expect(accepted.length).toBeGreaterThanOrEqual(20);
    expect(accepted.length).toBeLessThan(200);
    const first = limited[0];
    if (first.ok) throw new Error('unreachable');
    expect(first.error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterMs: expect.any(Number) } });
    expect((first.error.details as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    // Only accepted commands were applied.
    const stored = server.db
      .prepare("SELECT COUNT(*) AS n FROM Message WHERE roomId = ? AND text LIKE 'spam %'")
      .get(room.id);
    expect(stored).toEqual({ n: accepted.length });
  });

  it('gives each class of command its own budget, so a flood of sends does not block joins', async () => {
    const { socket } = await chatClient(server.url, 'busy');
    const { room } = await commandOk<ChatCommandResults['room:create']>(socket, ChatCommand.RoomCreate, {
      name: 'classes',
    });
    await commandOk(socket, ChatCommand.RoomJoin, { roomId: room.id });
    await Promise.all(
      Array.from({ length: 60 }, () =>
        command(socket, ChatCommand.MessageSend, { opId: randomUUID(), roomId: room.id, text: 'x' }),
      ),
    );
    const limited = await command(socket, ChatCommand.MessageSend, { opId: randomUUID(), roomId: room.id, text: 'x' });
    expect(limited).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(await command(socket, ChatCommand.RoomJoin, { roomId: room.id })).toMatchObject({ ok: true });
  });

  it('shares a budget across the tabs of one user', async () => {
    const { connect, socketFor } = await import('./support/clients.js');
    const { socket: tab1, session } = await chatClient(server.url, 'tabs');
    const tab2 = await connect(socketFor(server.url, '/chat', session.token));
    const tab3 = await connect(socketFor(server.url, '/chat', session.token));
    const results = await Promise.all(
      [tab1, tab2, tab3].flatMap((tab) => Array.from({ length: 20 }, () => command(tab, ChatCommand.RoomList, {}))),
    );
    // Each tab alone is within its own burst of 20, but the user's budget is 40.
    const accepted = results.filter((ack) => ack.ok).length;
    expect(accepted).toBeGreaterThanOrEqual(40);
    expect(accepted).toBeLessThan(48);
  });

  it('drops typing signals past their budget silently', async () => {
    const { socket: ann } = await chatClient(server.url, 'ann');
    const { socket: bob } = await chatClient(server.url, 'bob');
    const { room } = await commandOk<ChatCommandResults['room:create']>(ann, ChatCommand.RoomCreate, {
      name: 'typing',
    });
    await commandOk(ann, ChatCommand.RoomJoin, { roomId: room.id });
    await commandOk(bob, ChatCommand.RoomJoin, { roomId: room.id });
    await settle();
    const heard = record<TypingChanged>(bob, ChatBroadcast.Typing);
    for (let i = 0; i < 100; i++) ann.emit(ChatSignal.Typing, { roomId: room.id, typing: i % 2 === 0 });
    await settle(300);
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.length).toBeLessThanOrEqual(25);
    expect(ann.connected).toBe(true);
  });
});
