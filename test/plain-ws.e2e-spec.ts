import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  ChatSignal,
  ListsBroadcast,
  ListsCommand,
  Namespace,
  type ChatCommandResults,
  type ItemChanged,
  type ListsCommandResults,
  type MessageCreated,
  type PresenceChanged,
  type PresencePage,
  type RoomResync,
  type TypingChanged,
} from '@tandem/contract';
import {
  chatClient,
  closeAllClients,
  commandOk,
  eventually,
  listsClient,
  nextEvent,
  record,
  settle,
  signIn,
} from './support/clients.js';
import { PlainWsClient, closeAllPlainClients } from './support/plain-ws.js';
import { onlineNames } from './support/presence.js';
import { startServer, type TestServer } from './support/server.js';

async function plainClient(server: TestServer, name: string) {
  const session = await signIn(server.url, name);
  const { client, ready } = await PlainWsClient.connect(server.url, session.token);
  return { client, ready, session };
}

describe('/ws, the plain WebSocket endpoint', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ PRESENCE_GRACE_MS: '0' });
  });
  afterEach(() => {
    closeAllPlainClients();
    closeAllClients();
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers the auth frame with ready and the signed-in user', async () => {
    const { ready, session } = await plainClient(server, 'ann');
    expect(ready).toEqual({ type: 'ready', user: session.user, expiresAt: session.expiresAt });
  });

  it('puts two plain clients and a Socket.IO client in one room: each sees every message in seq order', async () => {
    const ann = await plainClient(server, 'ann');
    const bob = await plainClient(server, 'bob');
    const cy = await chatClient(server.url, 'cy');
    const { room } = await ann.client.commandOk<ChatCommandResults['room:create']>(
      Namespace.Chat,
      ChatCommand.RoomCreate,
      {
        name: 'mixed',
      },
    );
    await ann.client.commandOk(Namespace.Chat, ChatCommand.RoomJoin, { roomId: room.id });
    const bobJoin = await bob.client.commandOk<ChatCommandResults['room:join']>(Namespace.Chat, ChatCommand.RoomJoin, {
      roomId: room.id,
    });
    await commandOk(cy.socket, ChatCommand.RoomJoin, { roomId: room.id });
    const cyHeard = record<MessageCreated>(cy.socket, ChatBroadcast.MessageCreated);

    const sends = [];
    for (let round = 0; round < 5; round++) {
      sends.push(
        ann.client.commandOk(Namespace.Chat, ChatCommand.MessageSend, {
          opId: randomUUID(),
          roomId: room.id,
          text: `ann ${round}`,
        }),
        bob.client.commandOk(Namespace.Chat, ChatCommand.MessageSend, {
          opId: randomUUID(),
          roomId: room.id,
          text: `bob ${round}`,
        }),
        commandOk(cy.socket, ChatCommand.MessageSend, { opId: randomUUID(), roomId: room.id, text: `cy ${round}` }),
      );
    }
    await Promise.all(sends);
    const texts = (events: MessageCreated[]) => events.map((event) => event.message.text);
    await eventually(() => cyHeard.length === 15, 'cy hears 15 messages');
    const heardBy = (client: PlainWsClient) =>
      client
        .events<MessageCreated>(Namespace.Chat, ChatBroadcast.MessageCreated)
        .filter((event) => event.message.kind === 'user');
    await eventually(() => heardBy(bob.client).length === 15, 'bob hears 15 messages');
    await eventually(() => heardBy(ann.client).length === 15, 'ann hears 15 messages');

    const stored = (
      server.db.prepare("SELECT text FROM Message WHERE roomId = ? AND kind = 'user' ORDER BY seq").all(room.id) as {
        text: string;
      }[]
    ).map((row) => row.text);
    for (const heard of [cyHeard, heardBy(bob.client), heardBy(ann.client)]) {
      expect(texts(heard)).toEqual(stored);
      const seqs = heard.map((event) => event.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }

    // Bob, away since his join, resyncs over /ws: exactly the changes after his seq, in order.
    const resync = await bob.client.commandOk<RoomResync>(Namespace.Chat, ChatCommand.RoomJoin, {
      roomId: room.id,
      sinceSeq: bobJoin.seq,
    });
    if (!('changes' in resync)) throw new Error('expected changes');
    expect(resync.changes.map((change) => change.seq)).toEqual(resync.changes.map((_, i) => bobJoin.seq + 1 + i));
    expect(
      resync.changes
        .filter((change) => change.event === ChatBroadcast.MessageCreated)
        .map((change) => change.data.message)
        .filter((message) => message.kind === 'user')
        .map((message) => message.text),
    ).toEqual(stored);
  });

  it('carries signals both ways and counts a plain client in presence until it goes', async () => {
    const ann = await plainClient(server, 'ann');
    const cy = await chatClient(server.url, 'cy');
    const { room } = await commandOk<ChatCommandResults['room:create']>(cy.socket, ChatCommand.RoomCreate, {
      name: 'sig',
    });
    await commandOk(cy.socket, ChatCommand.RoomJoin, { roomId: room.id });
    await ann.client.commandOk<ChatCommandResults['room:join']>(Namespace.Chat, ChatCommand.RoomJoin, {
      roomId: room.id,
    });
    const members = () =>
      ann.client.commandOk<PresencePage>(Namespace.Chat, ChatCommand.RoomMembers, { roomId: room.id });
    expect(await onlineNames(members, ['ann', 'cy'])).toEqual(['ann', 'cy']);

    const typed = nextEvent<TypingChanged>(cy.socket, ChatBroadcast.Typing);
    ann.client.send({ ns: Namespace.Chat, event: ChatSignal.Typing, data: { roomId: room.id, typing: true } });
    expect(await typed).toEqual({ roomId: room.id, users: [ann.session.user], count: 1, stopped: [] });
    const heardTyping = ann.client.nextEvent<TypingChanged>(Namespace.Chat, ChatBroadcast.Typing, (event) =>
      event.users.some((user) => user.id === cy.session.user.id),
    );
    cy.socket.emit(ChatSignal.Typing, { roomId: room.id, typing: true });
    expect((await heardTyping).users).toContainEqual(cy.session.user);

    const gone = nextEvent<PresenceChanged>(cy.socket, ChatBroadcast.Presence, (event) =>
      event.removed.includes(ann.session.user.id),
    );
    ann.client.close();
    expect((await gone).online).toBe(1);
  });

  it('delivers the broadcasts of every namespace it joined', async () => {
    const ann = await plainClient(server, 'ann');
    const bob = await listsClient(server.url, 'bob');
    const { list } = await commandOk<ListsCommandResults['list:create']>(bob.socket, ListsCommand.ListCreate, {
      title: 'l',
    });
    await ann.client.commandOk(Namespace.Lists, ListsCommand.ListJoin, { listId: list.id });
    const created = ann.client.nextEvent<ItemChanged>(Namespace.Lists, ListsBroadcast.ItemCreated);
    await commandOk(bob.socket, ListsCommand.ItemCreate, { opId: randomUUID(), listId: list.id, text: 'milk' });
    expect(await created).toMatchObject({ listId: list.id, seq: 1, item: { text: 'milk' } });
    // And it stops when the plain client leaves.
    await ann.client.commandOk(Namespace.Lists, ListsCommand.ListLeave, { listId: list.id });
    await commandOk(bob.socket, ListsCommand.ItemCreate, { opId: randomUUID(), listId: list.id, text: 'eggs' });
    await settle();
    expect(ann.client.events(Namespace.Lists, ListsBroadcast.ItemCreated)).toHaveLength(1);
  });

  it('refuses an upgrade from another origin, as Socket.IO handshakes are', async () => {
    const client = PlainWsClient.open(server.url, { headers: { origin: 'https://elsewhere.example' } });
    await expect(client.opened).rejects.toThrow('403');
  });

  it('serves the plain page with a policy that allows only its own inline script and style', async () => {
    const response = await fetch(`${server.url}/plain`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toMatch(/script-src 'sha256-[\w+/=]+';/);
    expect(policy).toMatch(/style-src 'sha256-[\w+/=]+'$/);
    expect(policy).not.toContain('unsafe-inline');
    expect(await response.text()).toContain('new WebSocket(');
  });

  describe('bad frames', () => {
    it('answers each with VALIDATION or NOT_FOUND, writes nothing, and keeps the connection', async () => {
      const { client } = await plainClient(server, 'ann');
      const before = server.tableCounts();
      const errorFrame = () => client.next((frame) => 'type' in frame && frame.type === 'error');

      let error = errorFrame();
      client.send('{not json');
      expect(await error).toEqual({ type: 'error', error: { code: 'VALIDATION', message: 'the frame is not JSON' } });

      error = errorFrame();
      client.send({ ns: Namespace.Chat, event: ChatCommand.RoomList, data: {} });
      expect(await error).toMatchObject({
        error: { code: 'VALIDATION', message: expect.stringContaining('give it an id') },
      });

      error = errorFrame();
      client.send({ event: ChatCommand.RoomList });
      expect(await error).toMatchObject({ error: { code: 'VALIDATION', details: { issues: expect.any(Array) } } });

      error = errorFrame();
      client.ws.send(Buffer.from([1, 2, 3]));
      expect(await error).toMatchObject({ error: { code: 'VALIDATION', message: 'frames are JSON text, not binary' } });

      const answered = (id: number) => client.next((frame) => 'id' in frame && frame.id === id);
      let ack = answered(41);
      client.send({ id: 41, ns: Namespace.Chat });
      expect(await ack).toMatchObject({ id: 41, ack: { ok: false, error: { code: 'VALIDATION' } } });
      ack = answered(42);
      client.send({ id: 42, ns: Namespace.Chat, event: ChatCommand.RoomList, extra: true });
      expect(await ack).toMatchObject({ id: 42, ack: { ok: false, error: { code: 'VALIDATION' } } });

      expect(await client.command('/nowhere', 'x:y', {})).toEqual({
        ok: false,
        error: { code: 'NOT_FOUND', message: 'unknown namespace /nowhere' },
      });
      expect(await client.command(Namespace.Chat, 'nothing:here', {})).toEqual({
        ok: false,
        error: { code: 'NOT_FOUND', message: 'unknown command /chat nothing:here' },
      });
      ack = answered(43);
      client.send('{"id":43,"ns":"/chat","event":"message:send","data":{"__proto__":{"admin":true}}}');
      expect(await ack).toMatchObject({
        ack: { ok: false, error: { code: 'VALIDATION', details: { issues: expect.any(Array) } } },
      });
      expect(await client.command(Namespace.Chat, ChatCommand.RoomList)).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION' },
      });

      error = errorFrame();
      client.send({ auth: { token: 'again' } });
      expect(await error).toMatchObject({
        error: { code: 'VALIDATION', message: expect.stringContaining('already signed in') },
      });

      expect(await client.command(Namespace.Chat, ChatCommand.RoomList, {})).toMatchObject({ ok: true });
      expect(server.tableCounts()).toEqual(before);
    });

    it('echoes a string id', async () => {
      const { client } = await plainClient(server, 'ann');
      const ack = client.next((frame) => 'id' in frame && frame.id === 'list-1');
      client.send({ id: 'list-1', ns: Namespace.Chat, event: ChatCommand.RoomList, data: {} });
      expect(await ack).toMatchObject({ id: 'list-1', ack: { ok: true, data: { rooms: expect.any(Array) } } });
    });

    it('closes a connection whose frame is over 1 MB, as Socket.IO does', async () => {
      const { client } = await plainClient(server, 'ann');
      client.send({ id: 1, ns: Namespace.Chat, event: ChatCommand.RoomList, data: { pad: 'x'.repeat(1_100_000) } });
      expect((await client.closed).code).toBe(1009);
    });
  });
});
