import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  ChatSignal,
  Limits,
  type ChatCommandResults,
  type Message,
  type MessageCreated,
  type PresenceChanged,
  type Room,
  type RoomResync,
  type RoomSnapshot,
  type TypingChanged,
} from '@tandem/contract';
import {
  chatClient,
  closeAllClients,
  command,
  commandOk,
  eventually,
  nextEvent,
  record,
  settle,
  type ChatClient,
} from './support/clients.js';
import { startServer, type TestServer } from './support/server.js';

describe('chat', () => {
  let server: TestServer;

  beforeAll(async () => {
    // A short presence grace, so that a closed tab leaves presence within the suite's waits.
    server = await startServer({ PRESENCE_GRACE_MS: '100' });
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await server.close();
  });

  async function createRoom(
    socket: ChatClient,
    name = `room-${randomUUID().slice(0, 8)}`,
    visibility?: 'private',
  ): Promise<Room> {
    const { room } = await commandOk<ChatCommandResults['room:create']>(socket, ChatCommand.RoomCreate, {
      name,
      ...(visibility ? { visibility } : {}),
    });
    return room;
  }

  function join(socket: ChatClient, roomId: string, extra: Record<string, unknown> = {}) {
    return commandOk<RoomSnapshot>(socket, ChatCommand.RoomJoin, { roomId, ...extra });
  }

  function send(socket: ChatClient, roomId: string, text: string, opId: string = randomUUID()) {
    return commandOk<ChatCommandResults['message:send']>(socket, ChatCommand.MessageSend, { opId, roomId, text });
  }

  describe('rooms', () => {
    it('creates a room, lists it, and joins it with its last messages', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const room = await createRoom(ann, 'general talk');
      expect(room).toMatchObject({ name: 'general talk', visibility: 'public', seq: 0 });
      expect(room.inviteCode).toBeUndefined();

      const { rooms } = await commandOk<ChatCommandResults['room:list']>(ann, ChatCommand.RoomList, {});
      expect(rooms.map((listed) => listed.id)).toContain(room.id);

      await send(ann, room.id, 'first');
      const joined = await join(ann, room.id);
      expect(joined.seq).toBe(1);
      expect(joined.messages.map((message) => message.text)).toEqual(['first']);
      expect(joined.members.map((member) => member.name)).toEqual(['ann']);
    });

    it('answers NOT_FOUND for a room that does not exist', async () => {
      const { socket } = await chatClient(server.url, 'ann');
      const ack = await command(socket, ChatCommand.RoomJoin, { roomId: randomUUID() });
      expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    });

    it('keeps private rooms to members: invite code needed, hidden from others', async () => {
      const { socket: owner } = await chatClient(server.url, 'owner');
      const { socket: guest } = await chatClient(server.url, 'guest');
      const room = await createRoom(owner, 'secret', 'private');
      expect(room.inviteCode).toEqual(expect.any(String));

      const listBefore = await commandOk<ChatCommandResults['room:list']>(guest, ChatCommand.RoomList, {});
      expect(listBefore.rooms.map((listed) => listed.id)).not.toContain(room.id);
      const before = server.tableCounts();
      expect(await command(guest, ChatCommand.RoomJoin, { roomId: room.id })).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      expect(await command(guest, ChatCommand.RoomJoin, { roomId: room.id, inviteCode: 'wrong' })).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      expect(await command(guest, ChatCommand.MessageHistory, { roomId: room.id })).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      expect(server.tableCounts()).toEqual(before);

      const joined = await join(guest, room.id, { inviteCode: room.inviteCode });
      expect(joined.room.inviteCode).toBe(room.inviteCode);
      const listAfter = await commandOk<ChatCommandResults['room:list']>(guest, ChatCommand.RoomList, {});
      expect(listAfter.rooms.map((listed) => listed.id)).toContain(room.id);
    });

    it('stops broadcasts to every tab of a user who leaves', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob, session } = await chatClient(server.url, 'bob');
      const bobSecondTab = (await import('./support/clients.js')).socketFor<ChatClient>(
        server.url,
        '/chat',
        session.token,
      );
      await (await import('./support/clients.js')).connect(bobSecondTab);
      const room = await createRoom(ann);
      await join(ann, room.id);
      await join(bob, room.id);
      await join(bobSecondTab, room.id);

      const leavePresence = nextEvent<PresenceChanged>(ann, ChatBroadcast.Presence, (p) => p.members.length === 1);
      const toldSecondTab = nextEvent(bobSecondTab, ChatBroadcast.RoomLeft);
      await commandOk(bob, ChatCommand.RoomLeave, { roomId: room.id });
      expect((await leavePresence).members.map((member) => member.name)).toEqual(['ann']);
      expect(await toldSecondTab).toEqual({ roomId: room.id });
      const heardByBob = [
        ...record(bob, ChatBroadcast.MessageCreated),
        ...record(bobSecondTab, ChatBroadcast.MessageCreated),
      ];
      await send(ann, room.id, 'after bob left');
      await settle();
      expect(heardByBob).toEqual([]);
      expect(
        await command(bob, ChatCommand.MessageSend, { opId: randomUUID(), roomId: room.id, text: 'hi' }),
      ).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
    });
  });

  describe('messages', () => {
    it('reaches the members of the room, and no one in another room', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob } = await chatClient(server.url, 'bob');
      const { socket: carol } = await chatClient(server.url, 'carol');
      const room = await createRoom(ann);
      const elsewhere = await createRoom(carol);
      await join(ann, room.id);
      await join(bob, room.id);
      await join(carol, elsewhere.id);
      const heardByCarol = record(carol, ChatBroadcast.MessageCreated);

      const toBob = nextEvent<MessageCreated>(bob, ChatBroadcast.MessageCreated);
      const { message } = await send(ann, room.id, 'hello bob');
      const received = await toBob;
      expect(received).toEqual({ roomId: room.id, seq: message.seq, message });
      expect(message.author.name).toBe('ann');

      const toAnn = nextEvent<MessageCreated>(ann, ChatBroadcast.MessageCreated);
      await send(bob, room.id, 'hello ann');
      expect((await toAnn).message.text).toBe('hello ann');

      await settle();
      expect(heardByCarol).toEqual([]);
    });

    it('acks only once the message is committed', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const room = await createRoom(ann);
      await join(ann, room.id);
      for (let i = 0; i < 20; i++) {
        const { message } = await send(ann, room.id, `durable ${i}`);
        // Read through a separate connection at the moment the ack arrives.
        const stored = server.db.prepare('SELECT text, seq FROM Message WHERE id = ?').get(message.id);
        expect(stored).toEqual({ text: `durable ${i}`, seq: message.seq });
        const change = server.db
          .prepare('SELECT event FROM Change WHERE streamKey = ? AND seq = ?')
          .get(`chat:${room.id}`, message.seq);
        expect(change).toEqual({ event: ChatBroadcast.MessageCreated });
      }
    });

    it('gives consecutive seqs, with one broadcast per message, in order', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(ann, room.id);
      // Bob's first join is announced by a system message: it takes the room's first seq.
      const { seq: joinedAt } = await join(bob, room.id);
      const heard = record<MessageCreated>(bob, ChatBroadcast.MessageCreated);
      await Promise.all(Array.from({ length: 30 }, (_, i) => send(i % 2 ? ann : bob, room.id, `m${i}`)));
      await eventually(() => heard.length === 30, '30 broadcasts');
      expect(heard.map((event) => event.seq)).toEqual(Array.from({ length: 30 }, (_, i) => joinedAt + i + 1));
    });

    it('applies a retried send with the same opId once, returning the first result', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(ann, room.id);
      await join(bob, room.id);
      const heard = record<MessageCreated>(bob, ChatBroadcast.MessageCreated);
      const opId = randomUUID();

      const [first, second] = await Promise.all([send(ann, room.id, 'once', opId), send(ann, room.id, 'once', opId)]);
      const third = await send(ann, room.id, 'once', opId);
      expect(second).toEqual(first);
      expect(third).toEqual(first);
      await settle();
      expect(heard).toHaveLength(1);
      expect(
        server.db.prepare("SELECT COUNT(*) AS n FROM Message WHERE roomId = ? AND kind = 'user'").get(room.id),
      ).toEqual({ n: 1 });
    });

    it('commits concurrent sends together, and a refused one in the same batch fails alone', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: outsider } = await chatClient(server.url, 'outsider');
      const room = await createRoom(ann);
      await join(ann, room.id);
      const acks = await Promise.all([
        ...Array.from({ length: 20 }, (_, i) =>
          command<ChatCommandResults['message:send']>(ann, ChatCommand.MessageSend, {
            opId: randomUUID(),
            roomId: room.id,
            text: `batched ${i}`,
          }),
        ),
        command<ChatCommandResults['message:send']>(outsider, ChatCommand.MessageSend, {
          opId: randomUUID(),
          roomId: room.id,
          text: 'not a member',
        }),
      ]);
      const refused = acks.pop();
      expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      const seqs = acks.map((ack) => (ack.ok ? ack.data.message.seq : -1)).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const batches = Number(/^tandem_db_write_batch_size_count (\d+)/m.exec(metrics)?.[1]);
      const writes = Number(/^tandem_db_write_batch_size_sum (\d+)/m.exec(metrics)?.[1]);
      expect(writes).toBeGreaterThan(batches);
    });

    it('refuses to send to a room one has not joined, writing nothing', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(ann, room.id);
      const heard = record(ann, ChatBroadcast.MessageCreated);
      const before = server.tableCounts();
      const ack = await command(bob, ChatCommand.MessageSend, { opId: randomUUID(), roomId: room.id, text: 'sneaky' });
      expect(ack).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      await settle();
      expect(heard).toEqual([]);
      expect(server.tableCounts()).toEqual(before);
    });
  });

  describe('history', () => {
    it('pages backwards by cursor without overlap or gap', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const room = await createRoom(ann);
      await join(ann, room.id);
      for (let i = 1; i <= 120; i++) await send(ann, room.id, `message ${i}`);

      const pages: Message[][] = [];
      let before: number | undefined;
      for (;;) {
        const page = await commandOk<ChatCommandResults['message:history']>(ann, ChatCommand.MessageHistory, {
          roomId: room.id,
          ...(before === undefined ? {} : { before }),
        });
        pages.push(page.messages);
        if (page.nextCursor === null) break;
        before = page.nextCursor;
      }
      expect(pages.map((page) => page.length)).toEqual([50, 50, 20]);
      const all = pages.reverse().flat();
      expect(all.map((message) => message.text)).toEqual(Array.from({ length: 120 }, (_, i) => `message ${i + 1}`));

      const small = await commandOk<ChatCommandResults['message:history']>(ann, ChatCommand.MessageHistory, {
        roomId: room.id,
        limit: 5,
        before: 3,
      });
      expect(small.messages.map((message) => message.seq)).toEqual([1, 2]);
      expect(small.nextCursor).toBeNull();
    });
  });

  describe('presence', () => {
    it('counts a user with two tabs once, until the last tab closes', async () => {
      const { connect, socketFor } = await import('./support/clients.js');
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bobTab1, session: bob } = await chatClient(server.url, 'bob');
      const bobTab2 = await connect(socketFor<ChatClient>(server.url, '/chat', bob.token));
      const room = await createRoom(ann);
      await join(ann, room.id);
      await join(bobTab1, room.id);
      const secondTab = await join(bobTab2, room.id);
      expect(secondTab.members.map((member) => member.name)).toEqual(['ann', 'bob']);

      const presence = record<PresenceChanged>(ann, ChatBroadcast.Presence);
      bobTab1.disconnect();
      await eventually(() => presence.length >= 1, 'presence after the first tab closed');
      expect(presence.at(-1)?.members.map((member) => member.name)).toEqual(['ann', 'bob']);

      // After the presence grace (short here), bob is gone.
      bobTab2.disconnect();
      await eventually(() => presence.at(-1)?.members.length === 1, 'presence after the last tab closed');
      expect(presence.at(-1)).toEqual({
        roomId: room.id,
        members: [{ id: expect.any(String), name: 'ann', status: 'online', lastSeenAt: expect.any(String) }],
      });
    });
  });

  describe('typing', () => {
    it('reaches the others in the room, not the typist, and is throttled', async () => {
      const { socket: ann, session } = await chatClient(server.url, 'ann');
      const { socket: bob } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(ann, room.id);
      await join(bob, room.id);
      const heardByBob = record<TypingChanged>(bob, ChatBroadcast.Typing);
      const heardByAnn = record<TypingChanged>(ann, ChatBroadcast.Typing);
      const changesBefore = server.db
        .prepare('SELECT COUNT(*) AS n FROM Change WHERE streamKey = ?')
        .get(`chat:${room.id}`);

      // Volatile events are dropped while a connection is busy: let the join's presence frames go first.
      await settle();
      for (let i = 0; i < 10; i++) ann.emit(ChatSignal.Typing, { roomId: room.id, typing: true });
      await settle();
      ann.emit(ChatSignal.Typing, { roomId: room.id, typing: false });
      await eventually(() => heardByBob.length === 2, 'typing start and stop');
      await settle();
      expect(heardByBob).toEqual([
        { roomId: room.id, user: session.user, typing: true },
        { roomId: room.id, user: session.user, typing: false },
      ]);
      expect(heardByAnn).toEqual([]);
      expect(server.db.prepare('SELECT COUNT(*) AS n FROM Change WHERE streamKey = ?').get(`chat:${room.id}`)).toEqual(
        changesBefore,
      );
    });
  });

  describe('resync', () => {
    it('replays exactly the 20 missed messages, in order, on rejoin with sinceSeq', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob, session } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(ann, room.id);
      await send(ann, room.id, 'before');
      const { seq: bobSeq } = await join(bob, room.id);
      bob.disconnect();

      const sent: Message[] = [];
      for (let i = 0; i < 20; i++) sent.push((await send(ann, room.id, `missed ${i}`)).message);

      const { connect, socketFor } = await import('./support/clients.js');
      const bobAgain = await connect(socketFor<ChatClient>(server.url, '/chat', session.token));
      const resync = await commandOk<RoomResync>(bobAgain, ChatCommand.RoomJoin, { roomId: room.id, sinceSeq: bobSeq });
      if (!('changes' in resync)) throw new Error('expected changes, got a snapshot');
      expect(resync.seq).toBe(bobSeq + 20);
      expect(resync.changes.map((change) => change.seq)).toEqual(Array.from({ length: 20 }, (_, i) => bobSeq + 1 + i));
      expect(resync.changes.map((change) => change.event)).toEqual(Array(20).fill(ChatBroadcast.MessageCreated));
      expect(resync.changes.map((change) => (change.data as MessageCreated).message)).toEqual(sent);

      const upToDate = await commandOk<RoomResync>(bobAgain, ChatCommand.RoomJoin, {
        roomId: room.id,
        sinceSeq: resync.seq,
      });
      expect(upToDate).toMatchObject({ seq: resync.seq, changes: [] });
      expect(upToDate.members.map((member) => member.name)).toEqual(['ann', 'bob']);
    });

    it('answers a snapshot when the gap is beyond what is replayed', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const room = await createRoom(ann);
      await join(ann, room.id);
      const total = Limits.resyncMaxChanges + 2;
      for (let i = 0; i < total; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, total - i) }, (_, k) => send(ann, room.id, `bulk ${i + k}`)),
        );
      }
      const resync = await commandOk<RoomResync>(ann, ChatCommand.RoomJoin, { roomId: room.id, sinceSeq: 1 });
      expect(resync).toMatchObject({ seq: total, snapshot: true });
      if (!('snapshot' in resync)) throw new Error('expected a snapshot');
      expect(resync.messages).toHaveLength(Limits.snapshotMessages);
      expect(resync.messages.at(-1)?.seq).toBe(total);

      const ahead = await commandOk<RoomResync>(ann, ChatCommand.RoomJoin, { roomId: room.id, sinceSeq: total + 10 });
      expect(ahead).toMatchObject({ snapshot: true, seq: total });
    });
  });

  describe('bad payloads', () => {
    const roomIdPlaceholder = '$room';
    const cases: [string, string, unknown][] = [
      ['a string instead of an object', ChatCommand.MessageSend, 'hello'],
      ['no payload at all', ChatCommand.MessageSend, undefined],
      ['an array', ChatCommand.MessageSend, [1, 2]],
      ['a missing opId', ChatCommand.MessageSend, { roomId: roomIdPlaceholder, text: 'x' }],
      ['an opId that is not a UUID', ChatCommand.MessageSend, { opId: 'abc', roomId: roomIdPlaceholder, text: 'x' }],
      [
        'an unknown field',
        ChatCommand.MessageSend,
        { opId: randomUUID(), roomId: roomIdPlaceholder, text: 'x', admin: true },
      ],
      [
        'a __proto__ key',
        ChatCommand.MessageSend,
        JSON.parse(
          `{"opId":"${randomUUID()}","roomId":"${roomIdPlaceholder}","text":"x","__proto__":{"polluted":true}}`,
        ),
      ],
      [
        'text over 4,000 characters',
        ChatCommand.MessageSend,
        { opId: randomUUID(), roomId: roomIdPlaceholder, text: 'x'.repeat(Limits.messageText + 1) },
      ],
      ['blank text', ChatCommand.MessageSend, { opId: randomUUID(), roomId: roomIdPlaceholder, text: '   ' }],
      ['text of the wrong type', ChatCommand.MessageSend, { opId: randomUUID(), roomId: roomIdPlaceholder, text: 42 }],
      ['a roomId that is not an id', ChatCommand.MessageSend, { opId: randomUUID(), roomId: 'general', text: 'x' }],
      ['an opId on a command that takes none', ChatCommand.RoomCreate, { name: 'x', opId: randomUUID() }],
      ['a room name over 100 characters', ChatCommand.RoomCreate, { name: 'x'.repeat(101) }],
      ['an unknown visibility', ChatCommand.RoomCreate, { name: 'x', visibility: 'secret' }],
      ['a negative sinceSeq', ChatCommand.RoomJoin, { roomId: roomIdPlaceholder, sinceSeq: -1 }],
      ['a fractional sinceSeq', ChatCommand.RoomJoin, { roomId: roomIdPlaceholder, sinceSeq: 1.5 }],
      ['a history limit above 100', ChatCommand.MessageHistory, { roomId: roomIdPlaceholder, limit: 101 }],
      ['a history limit of 0', ChatCommand.MessageHistory, { roomId: roomIdPlaceholder, limit: 0 }],
      [
        'a nested object as text',
        ChatCommand.MessageSend,
        { opId: randomUUID(), roomId: roomIdPlaceholder, text: { $gt: '' } },
      ],
      ['fields on room:list', ChatCommand.RoomList, { all: true }],
    ];

    it.each(cases)('answers VALIDATION to %s, writing and broadcasting nothing', async (_, event, payload) => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(ann, room.id);
      await join(bob, room.id);
      const heard = record(bob, ChatBroadcast.MessageCreated);
      const before = server.tableCounts();
      const withRoom = JSON.parse(
        JSON.stringify(payload ?? null)?.replaceAll(roomIdPlaceholder, room.id) ?? 'null',
      ) as unknown;

      const ack = await command(ann, event, payload === undefined ? undefined : withRoom);
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.any(String) } });
      if (!ack.ok) expect((ack.error.details as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
      await settle(50);
      expect(heard).toEqual([]);
      expect(server.tableCounts()).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
