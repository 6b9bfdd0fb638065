import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ChatBroadcast, ChatCommand, type ChatCommandResults } from '@tandem/contract';
import { chatScenes, createRoom, heardBy, join, listed, send } from './support/chat.js';
import {
  chatClient,
  command,
  commandOk,
  connect,
  eventually,
  nextEvent,
  record,
  settle,
  socketFor,
} from './support/clients.js';
import type { ChatClient } from './support/clients.js';
import { PresenceView } from './support/presence.js';
import { serverForSuite } from './support/server.js';

describe('chat rooms', () => {
  // A short presence grace, so that a closed tab leaves presence within the suite's waits.
  const server = serverForSuite({ PRESENCE_GRACE_MS: '100' });

  const { tab, expectRefused } = chatScenes(() => server);

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
      expect(joined.presence.members.map((member) => member.name)).toEqual(['ann']);
      expect(joined.presence).toMatchObject({ roomId: room.id, online: 1, nextCursor: null });
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
      const bobSecondTab = socketFor<ChatClient>(server.url, '/chat', session.token);
      await connect(bobSecondTab);
      const room = await createRoom(ann);
      const seenByAnn = new PresenceView(ann, room.id).start((await join(ann, room.id)).presence);
      await join(bob, room.id);
      await join(bobSecondTab, room.id);
      await eventually(() => seenByAnn.online === 2, 'bob online');

      const toldSecondTab = nextEvent(bobSecondTab, ChatBroadcast.RoomLeft);
      await commandOk(bob, ChatCommand.RoomLeave, { roomId: room.id });
      await eventually(() => seenByAnn.online === 1, 'bob gone');
      expect(seenByAnn.member(session.user.id)).toBeUndefined();
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

  describe('private rooms', () => {
    it('gives the invite code to members only, and keeps the membership across a reconnect', async () => {
      const { socket: owner } = await chatClient(server.url, 'owner');
      const { socket: guest, session } = await chatClient(server.url, 'guest');
      const room = await createRoom(owner, undefined, 'private');
      expect(room.inviteCode).toEqual(expect.any(String));
      expect(await listed(guest, room.id)).toBeUndefined();

      const heardByOwner = heardBy(owner);
      await join(owner, room.id);
      const before = server.tableCounts();
      await expectRefused(command(guest, ChatCommand.RoomJoin, { roomId: room.id }), 'FORBIDDEN', before, heardByOwner);
      await expectRefused(
        command(guest, ChatCommand.RoomJoin, { roomId: room.id, inviteCode: 'nope' }),
        'FORBIDDEN',
        before,
        heardByOwner,
      );
      await expectRefused(
        command(guest, ChatCommand.MessageHistory, { roomId: room.id }),
        'FORBIDDEN',
        before,
        heardByOwner,
      );

      const joined = await join(guest, room.id, { inviteCode: room.inviteCode });
      expect(joined.room.inviteCode).toBe(room.inviteCode);

      guest.disconnect();
      const again = await tab(session);
      expect(await listed(again, room.id)).toMatchObject({ id: room.id, member: true, inviteCode: room.inviteCode });
      // A member rejoins without the code.
      expect((await join(again, room.id)).room.id).toBe(room.id);
    });

    it('lets the owner rotate the invite code: the old one stops working, and others may not rotate', async () => {
      const { socket: owner } = await chatClient(server.url, 'owner');
      const { socket: member } = await chatClient(server.url, 'member');
      const { socket: newcomer } = await chatClient(server.url, 'newcomer');
      const { socket: late } = await chatClient(server.url, 'late');
      const room = await createRoom(owner, undefined, 'private');
      await join(owner, room.id);
      await join(member, room.id, { inviteCode: room.inviteCode });
      const heardByOwner = heardBy(owner);

      const before = server.tableCounts();
      await expectRefused(
        command(member, ChatCommand.RoomInviteRotate, { opId: randomUUID(), roomId: room.id }),
        'FORBIDDEN',
        before,
        heardByOwner,
      );
      await expectRefused(
        command(owner, ChatCommand.RoomInviteRotate, { opId: randomUUID(), roomId: randomUUID() }),
        'NOT_FOUND',
        before,
        heardByOwner,
      );
      await expectRefused(
        command(owner, ChatCommand.RoomInviteRotate, { roomId: room.id }),
        'VALIDATION',
        before,
        heardByOwner,
      );

      const opId = randomUUID();
      const { room: rotated } = await commandOk<ChatCommandResults['room:invite:rotate']>(
        owner,
        ChatCommand.RoomInviteRotate,
        {
          opId,
          roomId: room.id,
        },
      );
      expect(rotated).toMatchObject({ id: room.id, visibility: 'private', inviteCode: expect.any(String) });
      expect(rotated.inviteCode).not.toBe(room.inviteCode);
      // A retry answers the same code and rotates nothing.
      const retried = await commandOk<ChatCommandResults['room:invite:rotate']>(owner, ChatCommand.RoomInviteRotate, {
        opId,
        roomId: room.id,
      });
      expect(retried.room.inviteCode).toBe(rotated.inviteCode);
      expect(server.db.prepare('SELECT inviteCode FROM Room WHERE id = ?').get(room.id)).toEqual({
        inviteCode: rotated.inviteCode,
      });
      await settle(50);
      expect(heardByOwner).toEqual([]);

      const beforeOldCode = server.tableCounts();
      await expectRefused(
        command(newcomer, ChatCommand.RoomJoin, { roomId: room.id, inviteCode: room.inviteCode }),
        'FORBIDDEN',
        beforeOldCode,
        heardByOwner,
      );
      await join(late, room.id, { inviteCode: rotated.inviteCode });
      // Members see the current code.
      expect(await listed(member, room.id)).toMatchObject({ inviteCode: rotated.inviteCode });

      const publicRoom = await createRoom(owner);
      const beforePublic = server.tableCounts();
      await expectRefused(
        command(owner, ChatCommand.RoomInviteRotate, { opId: randomUUID(), roomId: publicRoom.id }),
        'CONFLICT',
        beforePublic,
      );
    });
  });
});
