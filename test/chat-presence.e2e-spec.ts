import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  ChatSignal,
  ErrorCode,
  type PresenceChanged,
  type PresencePage,
  type RoomSnapshot,
  type TypingChanged,
} from '@tandem/contract';
import { createRoom, join } from './support/chat.js';
import {
  chatClient,
  closeAllClients,
  command,
  commandOk,
  connect,
  eventually,
  record,
  settle,
  socketFor,
  type ChatClient,
} from './support/clients.js';
import { PresenceView } from './support/presence.js';
import { serverForSuite, startServer, type TestServer } from './support/server.js';

describe('chat presence and typing', () => {
  // A short presence grace, so that a closed tab leaves presence within the suite's waits.
  const server = serverForSuite({ PRESENCE_GRACE_MS: '100' });

  describe('presence', () => {
    it('counts a user with two tabs once, until the last tab closes', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bobTab1, session: bob } = await chatClient(server.url, 'bob');
      const bobTab2 = await connect(socketFor<ChatClient>(server.url, '/chat', bob.token));
      const room = await createRoom(ann);
      const seenByAnn = new PresenceView(ann, room.id).start((await join(ann, room.id)).presence);
      await join(bobTab1, room.id);
      await join(bobTab2, room.id);
      await eventually(() => seenByAnn.names().join() === 'ann,bob', 'bob in the presence');
      expect(seenByAnn.online).toBe(2);

      bobTab1.disconnect();
      await settle(400);
      expect(seenByAnn.names()).toEqual(['ann', 'bob']);

      // After the presence grace (short here), bob is gone.
      bobTab2.disconnect();
      await eventually(() => seenByAnn.online === 1, 'presence after the last tab closed');
      expect(seenByAnn.members).toEqual([
        { id: expect.any(String), name: 'ann', status: 'online', lastSeenAt: expect.any(String) },
      ]);
      expect(seenByAnn.gaps).toBe(0);
    });

    it('pages the online users in name order, and refuses bad cursors and sockets not in the room', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const room = await createRoom(ann);
      const seenByAnn = new PresenceView(ann, room.id).start((await join(ann, room.id)).presence);
      const others = await Promise.all(['dan', 'Cy', 'bea', 'Eve'].map((name) => chatClient(server.url, name)));
      for (const { socket } of others) await join(socket, room.id);
      await eventually(() => seenByAnn.online === 5, 'everyone online');
      const first = await commandOk<PresencePage>(ann, ChatCommand.RoomMembers, { roomId: room.id, limit: 2 });
      expect(first.members.map((member) => member.name)).toEqual(['ann', 'bea']);
      expect(first.online).toBe(5);
      const second = await commandOk<PresencePage>(ann, ChatCommand.RoomMembers, {
        roomId: room.id,
        cursor: first.nextCursor,
        limit: 2,
      });
      expect(second.members.map((member) => member.name)).toEqual(['Cy', 'dan']);
      const last = await commandOk<PresencePage>(ann, ChatCommand.RoomMembers, {
        roomId: room.id,
        cursor: second.nextCursor,
      });
      expect(last.members.map((member) => member.name)).toEqual(['Eve']);
      expect(last.nextCursor).toBeNull();

      const changesBefore = server.db.prepare('SELECT COUNT(*) AS n FROM Change').get();
      for (const payload of [
        { roomId: room.id, cursor: 'not a cursor!' },
        { roomId: room.id, cursor: Buffer.from('no separators').toString('base64url') },
        { roomId: room.id, limit: 0 },
        { roomId: room.id, limit: 201 },
        { roomId: room.id, extra: true },
      ]) {
        expect(await command(ann, ChatCommand.RoomMembers, payload)).toMatchObject({
          ok: false,
          error: { code: ErrorCode.Validation },
        });
      }
      const { socket: outsider } = await chatClient(server.url, 'outsider');
      expect(await command(outsider, ChatCommand.RoomMembers, { roomId: room.id })).toMatchObject({
        ok: false,
        error: { code: ErrorCode.Forbidden },
      });
      const hidden = await createRoom(ann, 'hidden', 'private');
      expect(await command(outsider, ChatCommand.RoomMembers, { roomId: hidden.id })).toMatchObject({
        ok: false,
        error: { code: ErrorCode.NotFound },
      });
      expect(await command(outsider, ChatCommand.RoomMembers, { roomId: randomUUID() })).toMatchObject({
        ok: false,
        error: { code: ErrorCode.NotFound },
      });
      expect(server.db.prepare('SELECT COUNT(*) AS n FROM Change').get()).toEqual(changesBefore);
    });
  });

  describe('typing', () => {
    it('reaches the room coalesced per window, naming the typist, and writes nothing', async () => {
      const { socket: ann, session } = await chatClient(server.url, 'ann');
      const { socket: bob } = await chatClient(server.url, 'bob');
      const { socket: outsider } = await chatClient(server.url, 'outsider');
      const room = await createRoom(ann);
      await join(ann, room.id);
      await join(bob, room.id);
      const heardByBob = record<TypingChanged>(bob, ChatBroadcast.Typing);
      const changesBefore = server.db
        .prepare('SELECT COUNT(*) AS n FROM Change WHERE streamKey = ?')
        .get(`chat:${room.id}`);

      // Volatile events are dropped while a connection is busy: let the join's presence frames go first.
      await settle();
      // Not in the room: dropped.
      outsider.emit(ChatSignal.Typing, { roomId: room.id, typing: true });
      for (let i = 0; i < 10; i++) ann.emit(ChatSignal.Typing, { roomId: room.id, typing: true });
      await settle();
      ann.emit(ChatSignal.Typing, { roomId: room.id, typing: false });
      await eventually(() => heardByBob.length === 2, 'typing start and stop');
      await settle(1_200);
      expect(heardByBob).toEqual([
        { roomId: room.id, users: [session.user], count: 1, stopped: [] },
        { roomId: room.id, users: [], count: 0, stopped: [session.user.id] },
      ]);
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
    // Deltas within the away delay: a status that flips back and forth is seen each time.
    server = await startServer({
      PRESENCE_GRACE_MS: String(graceMs),
      PRESENCE_AWAY_MS: String(awayMs),
      PRESENCE_WINDOW_MAX_MS: '250',
    });
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await server.close();
  });

  it('keeps a user whose only tab reloads online, and drops them once the grace has passed', async () => {
    const { socket: ann } = await chatClient(server.url, 'ann');
    const { socket: bob, session } = await chatClient(server.url, 'bob');
    const { id: roomId } = await createRoom(ann, 'presence');
    const seenByAnn = new PresenceView(ann, roomId).start(
      (await commandOk<RoomSnapshot>(ann, ChatCommand.RoomJoin, { roomId })).presence,
    );
    await commandOk(bob, ChatCommand.RoomJoin, { roomId });
    await eventually(() => seenByAnn.online === 2, 'bob online');
    const presence = record<PresenceChanged>(ann, ChatBroadcast.Presence);

    // A reload: the tab goes, and a new one joins within the grace.
    bob.disconnect();
    const reloaded = await connect(socketFor<ChatClient>(server.url, '/chat', session.token));
    const rejoined = await commandOk<RoomSnapshot>(reloaded, ChatCommand.RoomJoin, { roomId });
    expect(rejoined.presence.members.map((member) => member.name)).toEqual(['ann', 'bob']);
    await settle(graceMs + 200);
    // Nobody saw bob go.
    for (const event of presence) expect(event.removed).toEqual([]);
    expect(seenByAnn.names()).toEqual(['ann', 'bob']);

    // Gone for good: still listed during the grace, then dropped.
    const closedAt = Date.now();
    reloaded.disconnect();
    await eventually(() => seenByAnn.names().join() === 'ann', 'presence without bob', graceMs + 2_000);
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
    const seenByAnn = new PresenceView(ann, roomId).start(
      (await commandOk<RoomSnapshot>(ann, ChatCommand.RoomJoin, { roomId })).presence,
    );
    await commandOk(bob, ChatCommand.RoomJoin, { roomId });
    await eventually(() => seenByAnn.online === 2, 'bob online');
    const leftAt = Date.now();
    await commandOk(bob, ChatCommand.RoomLeave, { roomId });
    await eventually(() => seenByAnn.online === 1, 'bob gone');
    expect(seenByAnn.names()).toEqual(['ann']);
    expect(Date.now() - leftAt).toBeLessThan(graceMs);
  });

  it('shows a user away after a quiet spell, and online again on activity', async () => {
    const { socket: ann } = await chatClient(server.url, 'ann');
    const { socket: bob, session } = await chatClient(server.url, 'bob');
    const { id: roomId } = await createRoom(ann, 'presence');
    const seenByAnn = new PresenceView(ann, roomId).start(
      (await commandOk<RoomSnapshot>(ann, ChatCommand.RoomJoin, { roomId })).presence,
    );
    await commandOk<RoomSnapshot>(bob, ChatCommand.RoomJoin, { roomId });
    await eventually(() => seenByAnn.member(session.user.id) !== undefined, 'bob online');
    expect(seenByAnn.member(session.user.id)).toMatchObject({ status: 'online', lastSeenAt: expect.any(String) });

    await eventually(() => seenByAnn.member(session.user.id)?.status === 'away', 'bob away');
    const awaySince = seenByAnn.member(session.user.id)?.lastSeenAt ?? '';
    bob.emit(ChatSignal.Activity, {});
    await eventually(() => seenByAnn.member(session.user.id)?.status === 'online', 'bob back');
    expect(Date.parse(seenByAnn.member(session.user.id)?.lastSeenAt ?? '')).toBeGreaterThan(Date.parse(awaySince));
    expect(seenByAnn.names()).toEqual(['ann', 'bob']);
  });
});

describe('chat join notices in big rooms', () => {
  let server: TestServer;

  beforeAll(async () => {
    // A room counts as big from 2 users online.
    server = await startServer({ JOIN_NOTICE_MAX_ONLINE: '2' });
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await server.close();
  });

  it('announces newcomers in a small room only, and never a rejoin', async () => {
    const { socket: ann } = await chatClient(server.url, 'ann');
    const room = await createRoom(ann);
    await join(ann, room.id);
    const { socket: bob, session: bobSession } = await chatClient(server.url, 'bob');
    await join(bob, room.id);
    const { socket: cy } = await chatClient(server.url, 'cy');
    const heardByAnn = record(ann, ChatBroadcast.MessageCreated);
    const cyJoined = await join(cy, room.id);
    const systemTexts = () =>
      (
        server.db
          .prepare("SELECT text FROM Message WHERE roomId = ? AND kind = 'system' ORDER BY seq")
          .all(room.id) as {
          text: string;
        }[]
      ).map((row) => row.text);
    expect(systemTexts()).toEqual(['bob joined']);
    // The newcomer has read the room up to its last seq: nothing before it is "new".
    expect(cyJoined.readSeq).toBe(cyJoined.seq);
    // A member who reconnects and rejoins posts nothing, whatever the room's size.
    bob.disconnect();
    const bobAgain = await connect(socketFor<ChatClient>(server.url, '/chat', bobSession.token));
    await join(bobAgain, room.id);
    await settle();
    expect(systemTexts()).toEqual(['bob joined']);
    expect(heardByAnn).toEqual([]);
  });
});
