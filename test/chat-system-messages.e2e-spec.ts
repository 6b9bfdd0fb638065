import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ChatBroadcast, ChatCommand, Limits, SystemAction, generalRoom, systemUser } from '@tandem/contract';
import type { ChatCommandResults, MessageChanged, RoomResync, RoomUpdated } from '@tandem/contract';
import { chatScenes, createRoom, heardBy, join, listed } from './support/chat.js';
import { chatClient, command, commandOk, eventually, settle } from './support/clients.js';
import { serverForSuite } from './support/server.js';

describe('chat rooms', () => {
  // A short presence grace, so that a closed tab leaves presence within the suite's waits.
  const server = serverForSuite({ PRESENCE_GRACE_MS: '100' });

  const { tab, roomWithAnnAndBob, expectRefused } = chatScenes(() => server);

  describe('system messages', () => {
    it('announces a first join and a leave like any message, and not a rejoin by a member', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const { socket: bob, session } = await chatClient(server.url, 'bob');
      const room = await createRoom(ann);
      await join(ann, room.id);
      const heardByAnn = heardBy(ann);

      const joined = await join(bob, room.id);
      await eventually(() => heardByAnn.length === 1, 'the join announcement');
      const [announcement] = heardByAnn as { event: string; data: MessageChanged }[];
      expect(announcement).toEqual({
        event: ChatBroadcast.MessageCreated,
        data: {
          roomId: room.id,
          seq: 1,
          message: expect.objectContaining({
            kind: 'system',
            action: SystemAction.Joined,
            text: 'bob joined',
            author: session.user,
            seq: 1,
          }),
        },
      });
      expect(joined.seq).toBe(1);
      expect(joined.messages.at(-1)).toEqual(announcement.data.message);
      expect(server.db.prepare('SELECT kind, action, text FROM Message WHERE roomId = ?').all(room.id)).toEqual([
        { kind: 'system', action: 'joined', text: 'bob joined' },
      ]);

      // Another tab of a member: nothing to announce.
      const before = server.tableCounts();
      await join(await tab(session), room.id);
      await settle(100);
      expect(server.tableCounts()).toEqual(before);
      expect(heardByAnn).toHaveLength(1);

      await commandOk(bob, ChatCommand.RoomLeave, { roomId: room.id });
      await eventually(() => heardByAnn.length === 2, 'the leave announcement');
      expect(heardByAnn[1]).toMatchObject({
        event: ChatBroadcast.MessageCreated,
        data: { seq: 2, message: { kind: 'system', action: SystemAction.Left, text: 'bob left' } },
      });
      // Leaving a room one is not in says nothing.
      const beforeAgain = server.tableCounts();
      await commandOk(bob, ChatCommand.RoomLeave, { roomId: room.id });
      await settle(100);
      expect(server.tableCounts()).toEqual(beforeAgain);
    });

    it('lets the owner rename the room, logged as room:updated and announced; others get FORBIDDEN', async () => {
      const { ann, bob, room, heardByBob, heardByAnn } = await roomWithAnnAndBob();
      const before = server.tableCounts();
      await expectRefused(
        command(bob.socket, ChatCommand.RoomRename, { opId: randomUUID(), roomId: room.id, name: 'mine now' }),
        'FORBIDDEN',
        before,
        heardByBob,
        heardByAnn,
      );
      await expectRefused(
        command(ann.socket, ChatCommand.RoomRename, {
          opId: randomUUID(),
          roomId: room.id,
          name: 'x'.repeat(Limits.nameLength + 1),
        }),
        'VALIDATION',
        before,
        heardByBob,
      );
      await expectRefused(
        command(ann.socket, ChatCommand.RoomRename, { opId: randomUUID(), roomId: randomUUID(), name: 'nowhere' }),
        'NOT_FOUND',
        before,
        heardByBob,
      );
      await expectRefused(
        command(ann.socket, ChatCommand.RoomRename, { opId: randomUUID(), roomId: generalRoom.id, name: 'mine' }),
        'FORBIDDEN',
        before,
      );

      const { room: renamed } = await commandOk<ChatCommandResults['room:rename']>(ann.socket, ChatCommand.RoomRename, {
        opId: randomUUID(),
        roomId: room.id,
        name: '  design review  ',
      });
      expect(renamed).toMatchObject({ id: room.id, name: 'design review', seq: room.seq + 3 });
      await eventually(() => heardByBob.length === 2, 'room:updated and the announcement');
      expect(heardByBob[0]).toEqual({
        event: ChatBroadcast.RoomUpdated,
        data: {
          roomId: room.id,
          seq: 2,
          room: expect.objectContaining({ id: room.id, name: 'design review', seq: 2 }),
        },
      });
      expect((heardByBob[0].data as RoomUpdated).room.inviteCode).toBeUndefined();
      expect(heardByBob[1]).toMatchObject({
        event: ChatBroadcast.MessageCreated,
        data: {
          seq: 3,
          message: { kind: 'system', action: SystemAction.Renamed, text: 'ann renamed the room to "design review"' },
        },
      });
      expect(await listed(bob.socket, room.id)).toMatchObject({ name: 'design review' });

      // The same name again changes nothing (only the opId is recorded, as for any accepted command).
      const unchanged = server.tableCounts();
      await commandOk(ann.socket, ChatCommand.RoomRename, {
        opId: randomUUID(),
        roomId: room.id,
        name: 'design review',
      });
      await settle(100);
      expect(server.tableCounts()).toEqual({ ...unchanged, ProcessedOp: unchanged.ProcessedOp + 1 });
      expect(heardByBob).toHaveLength(2);
    });

    it('renames sent together all apply: each room announced once per rename, named as its last room:updated says', async () => {
      const owners = await Promise.all(['cat', 'dan', 'eve'].map((name) => chatClient(server.url, name)));
      const roomsOwned = await Promise.all(owners.map(({ socket }) => createRoom(socket)));
      await Promise.all(owners.map(({ socket }, index) => join(socket, roomsOwned[index].id)));
      const heard = owners.map(({ socket }) => heardBy(socket));
      const rename = (index: number, name: string) =>
        commandOk<ChatCommandResults['room:rename']>(owners[index].socket, ChatCommand.RoomRename, {
          opId: randomUUID(),
          roomId: roomsOwned[index].id,
          name,
        });
      // Sent in one turn: one transaction, the works side by side; the first owner renames twice.
      const answers = await Promise.all([rename(0, 'first'), rename(1, 'one'), rename(2, 'two'), rename(0, 'second')]);
      expect(answers.map(({ room }) => room.name)).toEqual(['first', 'one', 'two', 'second']);
      await eventually(() => heard[0].length === 4 && heard[1].length === 2 && heard[2].length === 2, 'renames');
      for (const [index, events] of heard.entries()) {
        expect(events.map(({ data }) => (data as { seq: number }).seq)).toEqual(
          Array.from({ length: events.length }, (_, offset) => offset + 1),
        );
        const updates = events.filter(({ event }) => event === ChatBroadcast.RoomUpdated);
        const last = (updates.at(-1)!.data as RoomUpdated).room.name;
        expect(await listed(owners[index].socket, roomsOwned[index].id)).toMatchObject({ name: last });
      }
      expect(heard[1].map(({ event }) => event)).toEqual([ChatBroadcast.RoomUpdated, ChatBroadcast.MessageCreated]);
    });

    it('starts every database with the public room "general", whose seq 1 is the welcome', async () => {
      const { socket } = await chatClient(server.url, 'newcomer');
      expect(await listed(socket, generalRoom.id)).toMatchObject({
        id: generalRoom.id,
        name: 'general',
        visibility: 'public',
        member: false,
      });
      const resync = await commandOk<RoomResync>(socket, ChatCommand.RoomJoin, { roomId: generalRoom.id, sinceSeq: 0 });
      if (!('changes' in resync)) throw new Error('expected changes');
      const welcome = {
        id: expect.any(String),
        roomId: generalRoom.id,
        seq: 1,
        author: systemUser,
        text: 'welcome to the chat',
        kind: 'system',
        action: SystemAction.Welcome,
        createdAt: expect.any(String),
        reactions: [],
        mentions: [],
      };
      expect(resync.changes[0]).toEqual({
        seq: 1,
        event: ChatBroadcast.MessageCreated,
        data: { roomId: generalRoom.id, seq: 1, message: welcome },
      });
      const { messages } = await commandOk<ChatCommandResults['message:history']>(socket, ChatCommand.MessageHistory, {
        roomId: generalRoom.id,
        before: 2,
      });
      expect(messages).toEqual([welcome]);
      expect(messages[0]).toEqual((resync.changes[0].data as MessageChanged).message);
    });
  });
});
