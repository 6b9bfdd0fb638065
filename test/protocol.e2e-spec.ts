import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  ChatSignal,
  HttpRoute,
  ListsCommand,
  Namespace,
  ServerBroadcast,
  type ChatCommandResults,
  type ListsCommandResults,
  type ServerDraining,
  type TypingChanged,
} from '@tandem/contract';
import { ServerLifecycle } from '../apps/api/src/common/server-lifecycle.js';
import {
  chatClient,
  closeAllClients,
  command,
  commandOk,
  connect,
  eventually,
  listsClient,
  nextEvent,
  record,
  scoreboardClient,
  settle,
  signIn,
  socketFor,
  type ChatClient,
} from './support/clients.js';
import { startServer, type TestServer } from './support/server.js';

describe('protocol edges', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    closeAllClients();
    await server.close();
  });

  describe('unknown commands', () => {
    it('answers an unknown event that asks for an ack with NOT_FOUND, on every namespace', async () => {
      const clients = [
        [Namespace.Chat, (await chatClient(server.url, 'ann')).socket],
        [Namespace.Lists, (await listsClient(server.url, 'ann')).socket],
        [Namespace.Scoreboard, (await scoreboardClient(server.url, 'ann')).socket],
      ] as const;
      for (const [namespace, socket] of clients) {
        const ack = await command(socket, 'nothing:here', { any: 1 });
        expect(ack).toEqual({
          ok: false,
          error: { code: 'NOT_FOUND', message: `unknown command ${namespace} nothing:here` },
        });
      }
    });

    it('answers a command sent without a payload, and ignores an unknown event sent without an ack', async () => {
      const { socket } = await chatClient(server.url, 'bob');
      const before = server.tableCounts();
      (socket as unknown as { emit: (event: string, payload: unknown) => void }).emit('nothing:here', {});
      const ack = await command(socket, 'room:list', undefined);
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      expect((await command(socket, ChatCommand.RoomList, {})).ok).toBe(true);
      expect(socket.connected).toBe(true);
      expect(server.tableCounts()).toEqual(before);
    });

    it('keeps the name of an unknown event short in its answer', async () => {
      const { socket } = await chatClient(server.url, 'cy');
      const ack = await command(socket, `x:${'y'.repeat(5_000)}`, {});
      if (ack.ok) throw new Error('expected a refusal');
      expect(ack.error.code).toBe('NOT_FOUND');
      expect(ack.error.message.length).toBeLessThan(200);
    });
  });

  describe('HTTP bodies', () => {
    async function post(body: string, contentType?: string) {
      const response = await fetch(`${server.url}${HttpRoute.Sessions}`, {
        method: 'POST',
        headers: contentType ? { 'content-type': contentType } : {},
        body,
      });
      const answer: unknown = await response.json();
      return { status: response.status, body: answer };
    }

    it('answers a body that is not JSON with the VALIDATION envelope', async () => {
      const before = server.tableCounts();
      expect(await post('{"name": ', 'application/json')).toEqual({
        status: 400,
        body: { ok: false, error: { code: 'VALIDATION', message: expect.any(String) } },
      });
      expect(server.tableCounts()).toEqual(before);
    });

    it.each([
      ['text/plain', '{"name":"ann"}'],
      ['application/x-www-form-urlencoded', 'name=ann'],
      [undefined, '{"name":"ann"}'],
    ])('refuses a body sent as %s, writing nothing', async (contentType, body) => {
      const before = server.tableCounts();
      expect(await post(body, contentType)).toEqual({
        status: 400,
        body: {
          ok: false,
          error: { code: 'VALIDATION', message: 'the body must be JSON, sent as Content-Type: application/json' },
        },
      });
      expect(server.tableCounts()).toEqual(before);
    });

    it('answers a body over the size limit, and an unknown route, with the envelope', async () => {
      const tooLarge = await post(JSON.stringify({ name: 'a'.repeat(200_000) }), 'application/json');
      expect(tooLarge).toEqual({
        status: 413,
        body: { ok: false, error: { code: 'VALIDATION', message: expect.any(String) } },
      });
      const unknown = await fetch(`${server.url}/api/nothing-here`);
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: expect.any(String) } });
    });
  });

  it('ends back-to-back start/stop pairs with a "stopped", so the last state is always false', async () => {
    const ann = await chatClient(server.url, 'ann');
    const bob = await chatClient(server.url, 'bob');
    const { room } = await commandOk<ChatCommandResults['room:create']>(ann.socket, ChatCommand.RoomCreate, {
      name: 'typing pairs',
    });
    await commandOk(ann.socket, ChatCommand.RoomJoin, { roomId: room.id });
    await commandOk(bob.socket, ChatCommand.RoomJoin, { roomId: room.id });
    const heard = record<TypingChanged>(bob.socket, ChatBroadcast.Typing);
    for (let pair = 0; pair < 20; pair++) {
      ann.socket.emit(ChatSignal.Typing, { roomId: room.id, typing: true });
      ann.socket.emit(ChatSignal.Typing, { roomId: room.id, typing: false });
    }
    // Coalesced per room: the last event says ann stopped, and none comes after it.
    await eventually(() => heard.at(-1)?.stopped.includes(ann.session.user.id) === true, 'the stop');
    await settle(1_200);
    expect(heard.at(-1)).toEqual({ roomId: room.id, users: [], count: 0, stopped: [ann.session.user.id] });
    expect(heard.length).toBeLessThanOrEqual(2);
  });

  it('starts a new room, and a new list, at seq 0', async () => {
    const { socket } = await chatClient(server.url, 'dee');
    const { room } = await commandOk<ChatCommandResults['room:create']>(socket, ChatCommand.RoomCreate, {
      name: 'new',
    });
    expect(room.seq).toBe(0);
    const joined = await commandOk<ChatCommandResults['room:join']>(socket, ChatCommand.RoomJoin, { roomId: room.id });
    expect(joined.seq).toBe(0);
    const lists = (await listsClient(server.url, 'dee')).socket;
    const { list } = await commandOk<ListsCommandResults['list:create']>(lists, ListsCommand.ListCreate, {
      title: 't',
    });
    expect(list.seq).toBe(0);
  });

  it('answers list:leave on a list it never joined, or one that does not exist, ok', async () => {
    const { socket } = await listsClient(server.url, 'eve');
    const listId = randomUUID();
    expect(await command(socket, ListsCommand.ListLeave, { listId })).toEqual({ ok: true, data: { listId } });
  });

  it('answers a reused opId with a changed payload with the first result, applying nothing again', async () => {
    const { socket } = await chatClient(server.url, 'fay');
    const { room } = await commandOk<ChatCommandResults['room:create']>(socket, ChatCommand.RoomCreate, {
      name: 'ops',
    });
    await commandOk(socket, ChatCommand.RoomJoin, { roomId: room.id });
    const opId = randomUUID();
    const first = await commandOk<ChatCommandResults['message:send']>(socket, ChatCommand.MessageSend, {
      opId,
      roomId: room.id,
      text: 'first',
    });
    const again = await commandOk<ChatCommandResults['message:send']>(socket, ChatCommand.MessageSend, {
      opId,
      roomId: room.id,
      text: 'something else',
    });
    expect(again).toEqual(first);
    expect(server.db.prepare('SELECT text FROM Message WHERE roomId = ? AND kind = ?').all(room.id, 'user')).toEqual([
      { text: 'first' },
    ]);
  });
});

describe('a draining server', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    closeAllClients();
    await server.close();
  });

  it('tells every socket server:draining and refuses new commands UNAVAILABLE with retryAfterMs', async () => {
    const session = await signIn(server.url, 'ann');
    const socket = await connect(socketFor<ChatClient>(server.url, Namespace.Chat, session.token));
    const { room } = await commandOk<ChatCommandResults['room:create']>(socket, ChatCommand.RoomCreate, { name: 'd' });
    const draining = nextEvent<ServerDraining>(socket, ServerBroadcast.Draining);
    const before = server.tableCounts();
    await server.app.get(ServerLifecycle).drain(2_000);
    expect(await draining).toEqual({ reconnectWithinMs: 2_000 });
    const refused = await command(socket, ChatCommand.MessageSend, {
      opId: randomUUID(),
      roomId: room.id,
      text: 'late',
    });
    expect(refused).toEqual({
      ok: false,
      error: { code: 'UNAVAILABLE', message: expect.any(String), details: { retryAfterMs: 2_000 } },
    });
    expect(server.tableCounts()).toEqual(before);
  });
});
