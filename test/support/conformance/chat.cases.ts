import { beforeAll, describe, expect, it } from '@jest/globals';
import { ChatBroadcast, generalRoom, timeOrderedId, type User } from '@tandem/contract';
import { SearchRepository } from '../../../apps/api/src/chat/search/search.repository.js';
import { SpaceKinds } from '../../../apps/api/src/space-kinds.js';
import type { SpaceRecord } from '../../../apps/api/src/spaces/spaces.repository.js';
import { toSummary } from '../../../apps/api/src/spaces/spaces.service.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';
import { twoUsers } from './two-users.js';

/** Every query of the chat's repositories, on every database. */
export function chatCases(open: () => Promise<DataLayerDatabase>): void {
  let node: DataLayerNode;
  let ann: User;
  let bob: User;
  let room: SpaceRecord;
  twoUsers(open, (world) => ({ node, ann, bob } = world));

  beforeAll(async () => {
    room = await node.units.write((context) =>
      node.spaces.create(SpaceKinds.room, context, {
        name: 'den',
        visibility: 'private',
        inviteCode: 'code',
        ownerId: ann.id,
      }),
    );
  });

  describe('rooms and members', () => {
    it('creates a room with its owner as a member, and finds it', async () => {
      expect(await node.users.tokenStanding(ann.id, 'a-sign-in')).toEqual({
        tokensValidFrom: 0,
        sessionRevoked: false,
      });
      const found = await node.spaces.find(SpaceKinds.room, room.id);
      expect(found).toEqual(room);
      expect(toSummary(found!, 0, true)).toMatchObject({ name: 'den', ownerId: ann.id, inviteCode: 'code' });
      expect(await node.spaces.find(SpaceKinds.room, 'missing')).toBeNull();
      expect(await node.chat.findMembership(room.id, ann.id)).toEqual({ readSeq: 0 });
      expect(await node.spaces.isMember(SpaceKinds.room, room.id, bob.id)).toBe(false);
    });

    it('renames, rotates the invite code, adds and removes members', async () => {
      await node.units.write(async (context) => {
        const renamed = await node.spaces.rename(SpaceKinds.room, context, room, 'lair');
        await node.chat.appendRoomUpdated(context, renamed);
        await node.spaces.setInviteCode(SpaceKinds.room, context, renamed, 'other');
        await node.spaces.addMember(SpaceKinds.room, context, room.id, bob.id, 1);
      });
      expect(await node.spaces.find(SpaceKinds.room, room.id)).toMatchObject({ name: 'lair', inviteCode: 'other' });
      expect(await node.spaces.currentSeq(SpaceKinds.room, room.id)).toBe(1);
      expect((await node.spaces.changesSince(SpaceKinds.room, room.id, 0, 10))[0]).toMatchObject({
        event: ChatBroadcast.RoomUpdated,
      });
      // Members by the key of their name; a user of the same name outside the room is not one.
      await node.users.create('BOB');
      const named = await node.chat.membersNamed(room.id, ['ann', 'bob', 'carol']);
      expect(named).toHaveLength(2);
      expect(named).toEqual(expect.arrayContaining([ann, bob]));
      expect(
        await node.units.write((context) => node.spaces.removeMember(SpaceKinds.room, context, room.id, bob.id)),
      ).toBe(true);
      expect(
        await node.units.write((context) => node.spaces.removeMember(SpaceKinds.room, context, room.id, bob.id)),
      ).toBe(false);
      await node.units.write((context) => node.spaces.addMember(SpaceKinds.room, context, room.id, bob.id, 1));
    });

    it('moves read markers only forward, and lists the markers with last-seen times', async () => {
      expect(await node.units.write((context) => node.chat.advanceReadSeq(context, room.id, bob.id, 3))).toBe(true);
      expect(await node.units.write((context) => node.chat.advanceReadSeq(context, room.id, bob.id, 2))).toBe(false);
      const seen = new Date('2026-01-02T03:04:05.678Z');
      await node.units.write((context) => node.chat.markSeen(context, bob.id, seen));
      // The furthest first, up to the limit.
      expect((await node.chat.readMarkers(room.id, 100)).map((row) => row.marker)).toEqual([
        { user: bob, readSeq: 3, lastSeenAt: seen.toISOString() },
        { user: ann, readSeq: 0, lastSeenAt: null },
      ]);
      expect((await node.chat.readMarkers(room.id, 1)).map((row) => row.marker)).toEqual([
        { user: bob, readSeq: 3, lastSeenAt: seen.toISOString() },
      ]);
    });
  });

  describe('messages', () => {
    it('appends messages with mentions, counts unread ones, and lists the visible rooms', async () => {
      const first = await node.units.write((context) =>
        node.messages.appendMessage(context, { roomId: room.id, author: ann, text: 'hi @bob', mentions: [bob] }),
      );
      await node.units.write((context) =>
        node.messages.appendMessage(context, { roomId: room.id, author: ann, text: 'again' }),
      );
      expect(first).toMatchObject({ seq: 2, text: 'hi @bob', kind: 'user', mentions: [bob], reactions: [] });
      expect(await node.messages.findMessage(first.id)).toMatchObject({ id: first.id, seq: 2, deletedAt: null });
      // Bob's marker is past both (see unread.cases.ts for the counts at every marker).
      expect(await node.chat.unreadIn(bob.id, room.id)).toEqual({ readSeq: 3, unread: 0, mentions: 0 });
      expect(await node.chat.unreadIn(ann.id, room.id)).toEqual({ readSeq: 0, unread: 0, mentions: 0 });
      const visible = await node.chat.roomList(bob.id, await node.spaces.visibleTo(SpaceKinds.room, bob.id));
      expect(visible.find((entry) => entry.id === room.id)).toMatchObject({ member: true, readSeq: 3, seq: 3 });
      const stranger = `${bob.id}x`;
      const hidden = await node.chat.roomList(stranger, await node.spaces.visibleTo(SpaceKinds.room, stranger));
      expect(hidden.some((entry) => entry.id === room.id)).toBe(false);
    });

    it('edits, reacts, and pages history oldest first', async () => {
      const { messages } = await node.messages.messagesBefore(room.id, undefined, 10);
      const target = messages.at(-1)!;
      await node.units.write(async (context) => {
        const found = async () => (await node.messageChanges.findMessageForMember(target.id, ann.id, context))!;
        const react = async (userId: string, emoji: string) => {
          const message = await found();
          const reactions = await node.messageChanges.reactionsOf(message, context.sql);
          const add = !reactions.some((reaction) => reaction.emoji === emoji && reaction.userId === userId);
          return node.messageChanges.toggleReaction(context, message, { userId, emoji, add });
        };
        expect(await found()).toMatchObject({ member: true, carries: { reactions: false, mentions: false } });
        const edited = await node.messageChanges.editMessage(context, await found(), 'edited @ann', [ann]);
        expect(edited).toMatchObject({ text: 'edited @ann', mentions: [ann], editedAt: expect.any(String) });
        await react(bob.id, '👍');
        await react(ann.id, '👍');
        await react(ann.id, '🎉');
        expect((await react(ann.id, '🎉')).reactions.map((reaction) => reaction.emoji)).toEqual(['👍']);
        await react(bob.id, '🎉');
        const changed = await react(bob.id, '🎉');
        expect(changed).toMatchObject({ text: 'edited @ann', mentions: [ann], editedAt: edited.editedAt });
        // Reactions of the same millisecond go by user id: compare as sets.
        expect(changed.reactions).toEqual([
          { emoji: '👍', count: 2, userIds: expect.arrayContaining([bob.id, ann.id]) as unknown as string[] },
        ]);
        // What a change answers is what a read of the message gives.
        expect((await node.messages.messagesWithIds([target.id], context.sql))[0]).toEqual(changed);
        expect(await found()).toMatchObject({ carries: { reactions: true, mentions: true } });
      });
      const older = await node.messages.messagesBefore(room.id, target.seq, 1);
      expect(older).toMatchObject({ more: false, messages: [{ seq: 2 }] });
    });

    it('stores the messages of works sent together in one insert, each with its mentions and its change', async () => {
      const other = await node.units.write((context) =>
        node.spaces.create(SpaceKinds.room, context, {
          name: 'many',
          visibility: 'public',
          inviteCode: null,
          ownerId: ann.id,
        }),
      );
      const texts = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? `@bob look ${i}` : `plain ${i}`));
      const sent = await Promise.all(
        texts.map((text) =>
          node.units.once(
            ann.id,
            timeOrderedId(),
            'message:send',
            (context) =>
              node.messages.appendMessage(context, {
                roomId: other.id,
                author: ann,
                text,
                mentions: text.startsWith('@') ? [bob] : [],
              }),
            { overlaps: true },
          ),
        ),
      );
      const seqs = sent.map((message) => message.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => seqs[0] + i));
      const { messages } = await node.messages.messagesBefore(other.id, undefined, 20);
      expect(messages.map(({ id, text, mentions }) => ({ id, text, mentions }))).toEqual(
        [...sent].sort((a, b) => a.seq - b.seq).map(({ id, text, mentions }) => ({ id, text, mentions })),
      );
      const logged = await node.spaces.changesSince(SpaceKinds.room, other.id, seqs[0] - 1, 20);
      expect(logged.map((change) => (change.data as { message: { id: string } }).message.id)).toEqual(
        messages.map((message) => message.id),
      );
    });

    it('replays the log in seq order: new messages kept on their rows, other changes and older messages in `Change`', async () => {
      const published = node.published.filter((change) => change.stream === SpaceKinds.room.stream(room.id));
      const logged = await node.spaces.changesSince(SpaceKinds.room, room.id, 0, 100);
      expect(logged.map(({ seq, event }) => ({ seq, event }))).toEqual([
        { seq: 1, event: published[0]?.event },
        { seq: 2, event: ChatBroadcast.MessageCreated },
        { seq: 3, event: ChatBroadcast.MessageCreated },
        // The edit, then each reaction toggled.
        ...Array.from({ length: 7 }, (_, index) => ({ seq: 4 + index, event: ChatBroadcast.MessageUpdated })),
      ]);
      expect(logged.map(({ data }) => data)).toEqual(published.map(({ data }) => data));
      expect((await node.spaces.changesSince(SpaceKinds.room, room.id, 1, 2)).map(({ seq }) => seq)).toEqual([2, 3]);
      expect((await node.spaces.changesSince(SpaceKinds.room, room.id, 2, 2)).map(({ seq }) => seq)).toEqual([3, 4]);
      // The welcome of `general`, written by a migration as a `Change` row.
      expect(await node.spaces.changesSince(SpaceKinds.room, generalRoom.id, 0, 10)).toMatchObject([
        { seq: 1, event: ChatBroadcast.MessageCreated, data: { message: { action: 'welcome' } } },
      ]);
    });

    it('finds the messages of one transaction by their words, one edited in that transaction by its new text', async () => {
      const search = new SearchRepository(node.database);
      const find = async (term: string) =>
        (await search.search({ userId: ann.id, terms: [term], roomId: room.id, beforeId: undefined, limit: 10 })).ids;
      const append = (text: string) =>
        node.units.write((context) => node.messages.appendMessage(context, { roomId: room.id, author: ann, text }));
      // Writes asked for together share one transaction.
      const [zebra, yak] = await Promise.all([append('batched zebra'), append('batched yak')]);
      const edited = await node.units.write(async (context) => {
        const message = await node.messages.appendMessage(context, {
          roomId: room.id,
          author: ann,
          text: 'draft quokka',
        });
        const found = await node.messageChanges.findMessageForMember(message.id, ann.id, context);
        await node.messageChanges.editMessage(context, found!, 'final wombat', []);
        return message;
      });
      expect((await find('batched')).sort()).toEqual([yak.id, zebra.id].sort());
      expect(await find('zebr')).toEqual([zebra.id]);
      expect(await find('quokka')).toEqual([]);
      expect(await find('wombat')).toEqual([edited.id]);
      await node.units.write(async (context) =>
        node.messageChanges.deleteMessage(
          context,
          (await node.messageChanges.findMessageForMember(edited.id, ann.id, context))!,
        ),
      );
      expect(await find('wombat')).toEqual([]);
    });

    it('keeps a thread’s summary through replies and a deleted reply, and pages its replies apart from the log', async () => {
      const parent = await node.units.write((context) =>
        node.messages.appendMessage(context, { roomId: room.id, author: ann, text: 'thread parent' }),
      );
      const replyBy = (author: typeof ann, text: string) =>
        node.units.write(async (context) => {
          const reply = await node.messages.appendMessage(context, {
            roomId: room.id,
            author,
            text,
            replyTo: parent.id,
          });
          await node.threads.replyAdded(context, parent.id, reply);
          return reply;
        });
      await replyBy(bob, 'first');
      const second = await replyBy(ann, 'second');
      const third = await replyBy(bob, 'third');
      const summary = async () => (await node.messages.messagesWithIds([parent.id]))[0]?.thread;
      expect(await summary()).toEqual({ replyCount: 3, lastReplyAt: third.createdAt, latestRepliers: [bob, ann] });
      await node.units.write(async (context) => {
        const found = await node.messageChanges.findMessageForMember(third.id, bob.id, context);
        await node.messageChanges.deleteMessage(context, found!);
        await node.threads.replyRemoved(context, parent.id);
      });
      expect(await summary()).toEqual({ replyCount: 2, lastReplyAt: second.createdAt, latestRepliers: [ann, bob] });
      const page = await node.threads.repliesBefore(parent.id, third.seq, 1, node.database.reader);
      expect(page).toMatchObject({ more: true, messages: [{ id: second.id, replyTo: parent.id }] });
      const log = await node.messages.messagesBefore(room.id, undefined, 100);
      expect(log.messages.some((message) => message.replyTo !== undefined)).toBe(false);
      expect(log.messages.find((message) => message.id === parent.id)?.thread?.replyCount).toBe(2);
    });

    it('deletes a message: no text, reactions or mentions left, in the row or in the logged changes', async () => {
      const { messages } = await node.messages.messagesBefore(room.id, undefined, 10);
      const target = messages.find((message) => message.seq === 2)!;
      await node.units.write(async (context) => {
        // An edit logged in the same transaction is emptied too.
        const edited = await node.messageChanges.findMessageForMember(target.id, ann.id, context);
        await node.messageChanges.editMessage(context, edited!, 'an edit of the same moment', []);
        const found = await node.messageChanges.findMessageForMember(target.id, ann.id, context);
        const deleted = await node.messageChanges.deleteMessage(context, found!);
        expect((await node.messages.messagesWithIds([target.id], context.sql))[0]).toEqual(deleted);
      });
      const after = await node.messages.messagesBefore(room.id, undefined, 10);
      expect(after.messages.find((message) => message.id === target.id)).toMatchObject({
        text: '',
        mentions: [],
        reactions: [],
        deletedAt: expect.any(String),
      });
      const logged = JSON.stringify(await node.spaces.changesSince(SpaceKinds.room, room.id, 0, 100));
      expect(logged).not.toContain('hi @bob');
      expect(logged).not.toContain('an edit of the same moment');
    });
  });
}
