import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  countsAsUnread,
  type ChatCommandResults,
  type Message,
  type ReadUpdated,
} from '@tandem/contract';
import { chatScenes, heardBy, join, listed, send } from './support/chat.js';
import { chatClient, command, commandOk, nextEvent, settle, type ChatClient } from './support/clients.js';
import { serverForSuite } from './support/server.js';

describe('chat read markers', () => {
  // A short presence grace, so that a closed tab leaves presence within the suite's waits.
  const server = serverForSuite({ PRESENCE_GRACE_MS: '100' });

  const { tab, roomWithAnnAndBob, expectRefused } = chatScenes(() => server);

  describe('unread and read markers', () => {
    it("counts messages by others after the marker, without one's own, deleted or system messages", async () => {
      const { ann, bob, room } = await roomWithAnnAndBob();
      // A new member has read what was there when they joined.
      expect(await listed(bob.socket, room.id)).toMatchObject({ member: true, unread: 0, mentions: 0, readSeq: 1 });
      await send(ann.socket, room.id, 'one');
      await send(ann.socket, room.id, 'two, @bob');
      const three = await send(ann.socket, room.id, 'three');
      await send(bob.socket, room.id, 'mine');
      const { socket: carol } = await chatClient(server.url, 'carol');
      await join(carol, room.id);
      expect(await listed(bob.socket, room.id)).toMatchObject({ unread: 3, mentions: 1, readSeq: 1 });
      await commandOk(ann.socket, ChatCommand.MessageDelete, { opId: randomUUID(), messageId: three.id });
      expect(await listed(bob.socket, room.id)).toMatchObject({ unread: 2, mentions: 1 });
      // Not a member: nothing to count.
      const { socket: dave } = await chatClient(server.url, 'dave');
      expect(await listed(dave, room.id)).toMatchObject({ member: false, unread: 0, mentions: 0, readSeq: 0 });
      // The room's owner had not read anything since creating it.
      expect(await listed(ann.socket, room.id)).toMatchObject({ unread: 1, readSeq: 0 });
    });

    it('moves the read marker forward only, tells the room and the reader’s other tabs, and gives readers on join', async () => {
      const { ann, bob, room } = await roomWithAnnAndBob();
      const bobOtherTab = await tab(bob.session);
      const first = await send(ann.socket, room.id, 'first');
      const second = await send(ann.socket, room.id, 'second');
      const toAnn = nextEvent<ReadUpdated>(ann.socket, ChatBroadcast.ReadUpdated);
      const toOtherTab = nextEvent<ReadUpdated>(bobOtherTab, ChatBroadcast.ReadUpdated);

      const read = await commandOk<ChatCommandResults['room:read']>(bob.socket, ChatCommand.RoomRead, {
        roomId: room.id,
        seq: second.seq,
      });
      expect(read).toEqual({ roomId: room.id, readSeq: second.seq, unread: 0, mentions: 0 });
      const expected = { roomId: room.id, user: bob.session.user, readSeq: second.seq };
      expect(await toAnn).toEqual(expected);
      expect(await toOtherTab).toEqual(expected);

      // An older seq (a stale tab) never moves it back, and says nothing.
      const heardByAnn = heardBy(ann.socket);
      const before = server.tableCounts();
      const stale = await commandOk<ChatCommandResults['room:read']>(bob.socket, ChatCommand.RoomRead, {
        roomId: room.id,
        seq: first.seq,
      });
      expect(stale).toMatchObject({ readSeq: second.seq });
      await settle(100);
      expect(heardByAnn).toEqual([]);
      expect(server.tableCounts()).toEqual(before);
      expect(
        server.db
          .prepare('SELECT readSeq FROM Membership WHERE roomId = ? AND userId = ?')
          .get(room.id, bob.session.user.id),
      ).toEqual({ readSeq: second.seq });

      // Beyond the room's last seq: kept at the last seq.
      const ahead = await commandOk<ChatCommandResults['room:read']>(bob.socket, ChatCommand.RoomRead, {
        roomId: room.id,
        seq: 10_000,
      });
      expect(ahead.readSeq).toBe(second.seq);

      const joined = await join(ann.socket, room.id);
      // The furthest first.
      expect(joined.readMarkers).toEqual([
        { user: bob.session.user, readSeq: second.seq, lastSeenAt: null },
        { user: ann.session.user, readSeq: 0, lastSeenAt: null },
      ]);
      expect(joined.readSeq).toBe(0);
      // "Seen by" for ann's last message: the members whose marker reached it.
      const seenBy = joined.readMarkers.filter(
        (marker) => marker.readSeq >= second.seq && marker.user.id !== ann.session.user.id,
      );
      expect(seenBy.map((marker) => marker.user.name)).toEqual(['bob']);
    });

    it('refuses room:read to non-members and for unknown rooms, writing and broadcasting nothing', async () => {
      const { ann, room, heardByAnn } = await roomWithAnnAndBob();
      const { socket: stranger } = await chatClient(server.url, 'stranger');
      const before = server.tableCounts();
      await expectRefused(
        command(stranger, ChatCommand.RoomRead, { roomId: room.id, seq: 1 }),
        'FORBIDDEN',
        before,
        heardByAnn,
      );
      await expectRefused(
        command(ann.socket, ChatCommand.RoomRead, { roomId: randomUUID(), seq: 1 }),
        'NOT_FOUND',
        before,
        heardByAnn,
      );
    });

    it('keeps unread counts and mentions across a reconnect', async () => {
      const { ann, bob, room } = await roomWithAnnAndBob();
      await send(ann.socket, room.id, 'before');
      const { seq } = await join(bob.socket, room.id);
      await commandOk(bob.socket, ChatCommand.RoomRead, { roomId: room.id, seq });
      bob.socket.disconnect();

      await send(ann.socket, room.id, 'while you were away');
      await send(ann.socket, room.id, '@bob look at this');
      const edited = await send(ann.socket, room.id, 'and @bob this');
      await commandOk(ann.socket, ChatCommand.MessageEdit, {
        opId: randomUUID(),
        messageId: edited.id,
        text: 'and this',
      });

      const bobAgain = await tab(bob.session);
      expect(await listed(bobAgain, room.id)).toMatchObject({ unread: 3, mentions: 1, readSeq: seq });
      const rejoined = await join(bobAgain, room.id);
      expect(rejoined.readSeq).toBe(seq);
      const mentioned = rejoined.messages.filter((message) =>
        message.mentions.some((user) => user.id === bob.session.user.id),
      );
      expect(mentioned.map((message) => message.text)).toEqual(['@bob look at this']);
      expect(rejoined.readMarkers.find((marker) => marker.user.id === bob.session.user.id)?.lastSeenAt).toEqual(
        expect.any(String),
      );

      await commandOk(bobAgain, ChatCommand.RoomRead, { roomId: room.id, seq: rejoined.seq });
      expect(await listed(bobAgain, room.id)).toMatchObject({ unread: 0, mentions: 0 });
    });

    it("leaves out one's own messages sent from two tabs after a marker behind the room's last seq", async () => {
      const { ann, bob, room } = await roomWithAnnAndBob();
      const bobOtherTab = await tab(bob.session);
      const read = await send(ann.socket, room.id, 'read');
      await send(ann.socket, room.id, 'unread');
      // Fixed: both tabs send at once, and one of them moves the marker to `read`, behind the last seq.
      const [reading] = await Promise.all([
        commandOk<ChatCommandResults['room:read']>(bob.socket, ChatCommand.RoomRead, {
          roomId: room.id,
          seq: read.seq,
        }),
        send(bob.socket, room.id, 'mine'),
        send(bobOtherTab, room.id, 'mine too'),
        send(bobOtherTab, room.id, 'mine as well'),
      ]);
      expect(reading).toEqual({ roomId: room.id, readSeq: read.seq, unread: 1, mentions: 0 });
      await send(ann.socket, room.id, 'unread too');
      await send(bob.socket, room.id, 'mine, later');
      expect(await listed(bobOtherTab, room.id)).toMatchObject({ readSeq: read.seq, unread: 2 });
    });

    it("counts a returning member's messages from before they left as read", async () => {
      const { ann, bob, room } = await roomWithAnnAndBob();
      await send(bob.socket, room.id, 'mine, before leaving');
      await commandOk(bob.socket, ChatCommand.RoomLeave, { roomId: room.id });
      await send(ann.socket, room.id, 'while away');
      await join(bob.socket, room.id);
      await send(bob.socket, room.id, 'mine, back');
      await send(ann.socket, room.id, 'unread');
      expect(await listed(bob.socket, room.id)).toMatchObject({ unread: 1 });
    });

    it('answers room:read with what countsAsUnread counts after the marker, at every step of a mixed history', async () => {
      const { ann, bob, room } = await roomWithAnnAndBob();
      const history: Message[] = [];
      const sent = async (socket: ChatClient, text: string, replyTo?: string) => {
        const payload = { opId: randomUUID(), roomId: room.id, text, ...(replyTo ? { replyTo } : {}) };
        const { message } = await commandOk<ChatCommandResults['message:send']>(
          socket,
          ChatCommand.MessageSend,
          payload,
        );
        history.push({ ...message });
        return message;
      };
      const parent = await sent(ann.socket, 'one @bob');
      await sent(bob.socket, 'mine');
      await sent(ann.socket, 'a reply, @bob', parent.id);
      const doomed = await sent(ann.socket, 'soon gone, @bob');
      await sent(bob.socket, 'mine again');
      await join((await chatClient(server.url, 'carol')).socket, room.id);
      await sent(ann.socket, 'two');
      await commandOk(ann.socket, ChatCommand.MessageDelete, { opId: randomUUID(), messageId: doomed.id });
      Object.assign(
        history.find((message) => message.id === doomed.id)!,
        { deletedAt: new Date().toISOString() },
      );
      await sent(ann.socket, 'three @bob');
      const last = (await listed(bob.socket, room.id))!.seq;
      const bobId = bob.session.user.id;
      for (let seq = 2; seq <= last + 1; seq++) {
        const unread = history.filter((message) => countsAsUnread(message, bobId, Math.min(seq, last)));
        const read = await commandOk<ChatCommandResults['room:read']>(bob.socket, ChatCommand.RoomRead, {
          roomId: room.id,
          seq,
        });
        const mentions = unread.filter((message) => message.mentions.some((user) => user.id === bobId));
        expect(read).toEqual({
          roomId: room.id,
          readSeq: Math.min(seq, last),
          unread: unread.length,
          mentions: mentions.length,
        });
        expect(await listed(bob.socket, room.id)).toMatchObject({ unread: unread.length, mentions: mentions.length });
      }
      expect(history.filter((message) => countsAsUnread(message, bobId, 1))).toHaveLength(3);
    });
  });
});
