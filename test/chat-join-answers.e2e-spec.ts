import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ChatCommand, Limits, type ChatCommandResults, type ReadMarker, type RoomSnapshot } from '@tandem/contract';
import { createRoom, join, send } from './support/chat.js';
import { chatClient, commandOk, eventually, type ChatClient } from './support/clients.js';
import { serverForSuite } from './support/server.js';

/**
 * A join's history and read markers are kept per room between the changes that alter them; these
 * check that every join still answers exactly what the database holds at that moment.
 */
describe('chat join answers', () => {
  const server = serverForSuite({ PRESENCE_GRACE_MS: '0' });

  /** The furthest read markers as the database has them. */
  function markersInDatabase(roomId: string): ReadMarker[] {
    const rows = server.db
      .prepare(
        `SELECT u.id, u.name, u.lastSeenAt, m.readSeq FROM Membership m JOIN User u ON u.id = m.userId
         WHERE m.roomId = ? ORDER BY m.readSeq DESC, m.joinedAt, m.userId LIMIT ?`,
      )
      .all(roomId, Limits.readMarkers) as { id: string; name: string; lastSeenAt: string | null; readSeq: number }[];
    return rows.map(({ id, name, lastSeenAt, readSeq }) => ({
      user: { id, name },
      readSeq,
      lastSeenAt: lastSeenAt === null ? null : new Date(lastSeenAt).toISOString(),
    }));
  }

  /** A join by `observer` answers the database's markers and the room's newest messages as history reads them. */
  async function expectJoinMatchesDatabase(observer: ChatClient, roomId: string): Promise<RoomSnapshot> {
    const joined = await join(observer, roomId);
    expect(joined.readMarkers).toEqual(markersInDatabase(roomId));
    const history = await commandOk<ChatCommandResults['message:history']>(observer, ChatCommand.MessageHistory, {
      roomId,
      limit: Limits.snapshotMessages,
    });
    expect(joined.messages).toEqual(history.messages);
    return joined;
  }

  it('answers each join with the markers and messages committed before it, whatever changed in between', async () => {
    const ann = await chatClient(server.url, 'ann');
    const room = await createRoom(ann.socket);
    await join(ann.socket, room.id);
    // More members than the markers a join carries, so that some are left out of them.
    const members: { socket: ChatClient; id: string }[] = [];
    for (let index = 0; index < Limits.readMarkers + 10; index++) {
      const { socket, session } = await chatClient(server.url, `member ${String(index).padStart(3, '0')}`);
      await join(socket, room.id);
      members.push({ socket, id: session.user.id });
    }
    const { socket: observer } = await chatClient(server.url, 'observer');
    await expectJoinMatchesDatabase(observer, room.id);
    await expectJoinMatchesDatabase(observer, room.id);

    const first = await send(ann.socket, room.id, 'hello @member 000');
    await expectJoinMatchesDatabase(observer, room.id);

    // A member left out of the markers reads up to the end: their marker is now among the furthest.
    const last = members.at(-1)!;
    await commandOk(last.socket, ChatCommand.RoomRead, { roomId: room.id, seq: first.seq });
    await expectJoinMatchesDatabase(observer, room.id);

    await commandOk(ann.socket, ChatCommand.MessageEdit, { opId: randomUUID(), messageId: first.id, text: 'edited' });
    await expectJoinMatchesDatabase(observer, room.id);
    await commandOk(members[0].socket, ChatCommand.ReactionToggle, {
      opId: randomUUID(),
      messageId: first.id,
      emoji: '👍',
    });
    await expectJoinMatchesDatabase(observer, room.id);

    // A listed member's "last seen" once their only tab closes.
    const listed = () =>
      members.filter((member) => markersInDatabase(room.id).some((marker) => marker.user.id === member.id));
    const leaving = listed()[0];
    leaving.socket.disconnect();
    const seen = () =>
      server.db.prepare('SELECT lastSeenAt FROM User WHERE id = ?').get(leaving.id) as { lastSeenAt: string | null };
    await eventually(() => seen().lastSeenAt !== null, 'last seen stored');
    await expectJoinMatchesDatabase(observer, room.id);

    // A listed member leaves the room; a newcomer joins.
    await commandOk(listed()[1].socket, ChatCommand.RoomLeave, { roomId: room.id });
    await expectJoinMatchesDatabase(observer, room.id);
    const { socket: newcomer } = await chatClient(server.url, 'newcomer');
    await join(newcomer, room.id);
    const before = await expectJoinMatchesDatabase(observer, room.id);

    await commandOk(ann.socket, ChatCommand.MessageDelete, { opId: randomUUID(), messageId: first.id });
    const after = await expectJoinMatchesDatabase(observer, room.id);
    expect(after.messages.find((message) => message.id === first.id)).toMatchObject({ text: '', reactions: [] });

    // Rejoins at the same seq share what they are answered; each equals the change log.
    const changes = server.db
      .prepare('SELECT seq, event, data FROM Change WHERE streamKey = ? AND seq > ? ORDER BY seq')
      .all(`chat:${room.id}`, before.seq) as { seq: number; event: string; data: string }[];
    expect(changes.length).toBeGreaterThan(0);
    for (let again = 0; again < 3; again++) {
      const rejoined = await commandOk<ChatCommandResults['room:join']>(observer, ChatCommand.RoomJoin, {
        roomId: room.id,
        sinceSeq: before.seq,
      });
      expect('changes' in rejoined && rejoined.changes).toEqual(
        changes.map((change) => ({ seq: change.seq, event: change.event, data: JSON.parse(change.data) as unknown })),
      );
      expect(await join(observer, room.id, { sinceSeq: after.seq })).toMatchObject({ seq: after.seq, changes: [] });
    }
  });
});
