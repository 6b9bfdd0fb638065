import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  ChatSignal,
  type PresenceChanged,
  type RoomSnapshot,
  type TypingChanged,
} from '@tandem/contract';
import { createRoom, join } from './support/chat.js';
import {
  chatClient,
  closeAllClients,
  commandOk,
  connect,
  eventually,
  nextEvent,
  record,
  settle,
  socketFor,
  type ChatClient,
} from './support/clients.js';
import { startServer, type TestServer } from './support/server.js';

describe('chat presence and typing', () => {
  let server: TestServer;

  beforeAll(async () => {
    // A short presence grace, so that a closed tab leaves presence within the suite's waits.
    server = await startServer({ PRESENCE_GRACE_MS: '100' });
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await server.close();
  });

  describe('presence', () => {
    it('counts a user with two tabs once, until the last tab closes', async () => {
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
});

describe('chat presence: grace and away', () => {
  const graceMs = 600;
  const awayMs = 500;
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ PRESENCE_GRACE_MS: String(graceMs), PRESENCE_AWAY_MS: String(awayMs) });
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await server.close();
  });

  const names = (event: PresenceChanged | undefined) => event?.members.map((member) => member.name);

  it('keeps a user whose only tab reloads online, and drops them once the grace has passed', async () => {
    const { socket: ann } = await chatClient(server.url, 'ann');
    const { socket: bob, session } = await chatClient(server.url, 'bob');
    const { id: roomId } = await createRoom(ann, 'presence');
    await commandOk(ann, ChatCommand.RoomJoin, { roomId });
    await commandOk(bob, ChatCommand.RoomJoin, { roomId });
    const presence = record<PresenceChanged>(ann, ChatBroadcast.Presence);

    // A reload: the tab goes, and a new one joins within the grace.
    bob.disconnect();
    await eventually(() => presence.length >= 1, 'presence after the disconnect');
    const reloaded = await connect(socketFor<ChatClient>(server.url, '/chat', session.token));
    const rejoined = await commandOk<RoomSnapshot>(reloaded, ChatCommand.RoomJoin, { roomId });
    expect(rejoined.members.map((member) => member.name)).toEqual(['ann', 'bob']);
    await settle(graceMs + 200);
    expect(presence.length).toBeGreaterThanOrEqual(2);
    for (const event of presence) expect(names(event)).toEqual(['ann', 'bob']);

    // Gone for good: still listed during the grace, then dropped.
    const closedAt = Date.now();
    reloaded.disconnect();
    await eventually(() => names(presence.at(-1))?.join() === 'ann', 'presence without bob', graceMs + 2_000);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(graceMs - 50);

    // Last seen is kept on the user.
    const stored = server.db.prepare('SELECT lastSeenAt FROM User WHERE id = ?').get(session.user.id) as {
      lastSeenAt: string | null;
    };
    expect(stored.lastSeenAt).toEqual(expect.any(String));
    expect(Date.parse(stored.lastSeenAt ?? '')).toBeGreaterThanOrEqual(closedAt - 1_000);
  });

  it('drops a user who leaves at once, without grace', async () => {
    const { socket: ann } = await chatClient(server.url, 'ann');
    const { socket: bob } = await chatClient(server.url, 'bob');
    const { id: roomId } = await createRoom(ann, 'presence');
    await commandOk(ann, ChatCommand.RoomJoin, { roomId });
    await commandOk(bob, ChatCommand.RoomJoin, { roomId });
    const leftAt = Date.now();
    const without = nextEvent<PresenceChanged>(ann, ChatBroadcast.Presence, (event) => event.members.length === 1);
    await commandOk(bob, ChatCommand.RoomLeave, { roomId });
    expect(names(await without)).toEqual(['ann']);
    expect(Date.now() - leftAt).toBeLessThan(graceMs);
  });

  it('shows a user away after a quiet spell, and online again on activity', async () => {
    const { socket: ann } = await chatClient(server.url, 'ann');
    const { socket: bob, session } = await chatClient(server.url, 'bob');
    const { id: roomId } = await createRoom(ann, 'presence');
    await commandOk(ann, ChatCommand.RoomJoin, { roomId });
    const joined = await commandOk<RoomSnapshot>(bob, ChatCommand.RoomJoin, { roomId });
    expect(joined.members.find((member) => member.id === session.user.id)).toMatchObject({
      status: 'online',
      lastSeenAt: expect.any(String),
    });

    const bobStatus = (event: PresenceChanged) => event.members.find((member) => member.id === session.user.id)?.status;
    const away = await nextEvent<PresenceChanged>(ann, ChatBroadcast.Presence, (event) => bobStatus(event) === 'away');
    expect(away.members.map((member) => member.name)).toEqual(['ann', 'bob']);

    const back = nextEvent<PresenceChanged>(ann, ChatBroadcast.Presence, (event) => bobStatus(event) === 'online');
    bob.emit(ChatSignal.Activity, {});
    const online = await back;
    const entry = online.members.find((member) => member.id === session.user.id);
    expect(Date.parse(entry?.lastSeenAt ?? '')).toBeGreaterThan(Date.parse(away.members[1].lastSeenAt));
  });
});
