import { describe, expect, it } from '@jest/globals';
import { ChatBroadcast, type ChatChange, type Message, type ThreadHistoryResult } from '@tandem/contract';
import { applyRoomChange, type RoomState } from './room.js';
import {
  applyThreadChange,
  openingThread,
  threadFromPage,
  threadSeen,
  withOlderReplies,
  withReply,
  type ThreadState,
} from './thread.js';
import { ada, bob, message } from './message-fixtures.spec-support.js';

const parent = message(1, ada);
const reply = (seq: number, author = bob, fields: Partial<Message> = {}) =>
  message(seq, author, { replyTo: parent.id, ...fields });
const page = (seq: number, replies: Message[], nextCursor: number | null = null): ThreadHistoryResult => ({
  roomId: 'r1',
  seq,
  parent,
  replies,
  nextCursor,
});
const change = (event: ChatChange['event'], seq: number, payload: Message) =>
  ({ event, seq, data: { roomId: 'r1', seq, message: payload } }) as ChatChange;
const looking = { me: ada, away: false };
const away = { me: ada, away: true };
const open = (replies: Message[], seq = replies.at(-1)?.seq ?? 1): ThreadState =>
  threadFromPage(page(seq, replies), openingThread(parent.id, parent));

describe('thread', () => {
  describe(openingThread.name, () => {
    it('shows the parent as held, loading, with no replies', () => {
      expect(openingThread(parent.id, parent)).toMatchObject({
        roomId: 'r1',
        parent,
        replies: [],
        status: 'loading',
        unread: 0,
      });
    });
  });

  describe(applyThreadChange.name, () => {
    it('adds a new reply of its thread, and moves the seq for every change of the room', () => {
      const sut = open([reply(2)]);
      const next = applyThreadChange(sut, change(ChatBroadcast.MessageCreated, 3, reply(3)), looking);
      expect(next.replies.map((held) => held.seq)).toEqual([2, 3]);
      expect(next.seq).toBe(3);
      const elsewhere = applyThreadChange(next, change(ChatBroadcast.MessageCreated, 4, message(4)), looking);
      expect(elsewhere.replies).toHaveLength(2);
      expect(elsewhere.seq).toBe(4);
    });

    it('ignores a change at or below its seq (already in the page) and changes of other rooms', () => {
      const sut = open([reply(2), reply(3)], 4);
      expect(applyThreadChange(sut, change(ChatBroadcast.MessageCreated, 3, reply(3)), looking)).toBe(sut);
      const other = { ...change(ChatBroadcast.MessageCreated, 9, reply(9)), data: { roomId: 'r2' } } as ChatChange;
      expect(applyThreadChange(sut, other, looking)).toBe(sut);
    });

    it('applies nothing while loading: the first page decides what is already there', () => {
      const sut = openingThread(parent.id, parent);
      expect(applyThreadChange(sut, change(ChatBroadcast.MessageCreated, 3, reply(3)), looking)).toBe(sut);
    });

    it('takes the parent’s new summary, and replies edited or deleted', () => {
      const sut = open([reply(2)]);
      const counted = { ...parent, thread: { replyCount: 1, lastReplyAt: 'now', latestRepliers: [bob] } };
      const next = applyThreadChange(sut, change(ChatBroadcast.MessageUpdated, 3, counted), looking);
      expect(next.parent?.thread?.replyCount).toBe(1);
      const deleted = applyThreadChange(
        next,
        change(ChatBroadcast.MessageDeleted, 4, reply(2, bob, { text: '', deletedAt: 'now' })),
        looking,
      );
      expect(deleted.replies[0]).toMatchObject({ text: '', deletedAt: 'now' });
    });

    it('counts replies by others as unread while the user looks away, never their own', () => {
      let sut = open([reply(2)]);
      sut = applyThreadChange(sut, change(ChatBroadcast.MessageCreated, 3, reply(3)), away);
      sut = applyThreadChange(sut, change(ChatBroadcast.MessageCreated, 4, reply(4, ada)), away);
      sut = applyThreadChange(sut, change(ChatBroadcast.MessageCreated, 5, reply(5)), looking);
      expect(sut.unread).toBe(1);
      expect(threadSeen(sut).unread).toBe(0);
    });
  });

  describe(withOlderReplies.name, () => {
    it('puts an older page first without repeating what is held', () => {
      const sut = { ...open([reply(5), reply(6)]), loadingOlder: true };
      const next = withOlderReplies(sut, page(6, [reply(3), reply(4), reply(5)], 3));
      expect(next.replies.map((held) => held.seq)).toEqual([3, 4, 5, 6]);
      expect(next).toMatchObject({ hasOlder: true, loadingOlder: false });
    });
  });

  describe(withReply.name, () => {
    it('inserts one’s own acknowledged reply once, and replaces an edited one', () => {
      const sut = open([reply(2)]);
      const mine = reply(3, ada);
      const once = withReply(withReply(sut, mine), mine);
      expect(once.replies.map((held) => held.id)).toEqual(['m2', 'm3']);
      expect(withReply(once, { ...mine, text: 'edited' }).replies[1]?.text).toBe('edited');
      expect(withReply(sut, message(7))).toBe(sut);
    });
  });
});

describe('a room with threads', () => {
  it('keeps replies out of its log and its unread count, and moves its seq past them', () => {
    const view = { seq: 1, messages: [parent], unread: 0, mentions: 0, readSeq: 1, typing: [], typingCount: 0 };
    const next = applyRoomChange(view as unknown as RoomState, change(ChatBroadcast.MessageCreated, 2, reply(2)), away);
    expect(next.messages).toEqual([parent]);
    expect(next).toMatchObject({ seq: 2, unread: 0 });
  });
});
