import { describe, expect, it } from '@jest/globals';
import { ChatBroadcast, type Message, type RoomSnapshot } from '@tandem/contract';
import {
  applyJoined,
  applyPresenceDelta,
  applyRoomChange,
  insertMessage,
  moveReadMarker,
  type RoomState,
} from './room.js';
import { ada, bob, message } from './message-fixtures.spec-support.js';

const room = { id: 'r1', name: 'general', ownerId: ada.id, visibility: 'public' as const, seq: 0, createdAt: 'then' };
const snapshot = (seq: number, messages: Message[], readSeq = 0): RoomSnapshot => ({
  room,
  seq,
  messages,
  presence: { roomId: 'r1', version: 1, online: 1, members: [], nextCursor: null },
  readMarkers: [],
  readSeq,
});
const joined = (messages: Message[], readSeq = 0): RoomState =>
  applyJoined(undefined, snapshot(messages.at(-1)?.seq ?? 0, messages, readSeq), { me: ada, away: false })!;
const created = (payload: Message) =>
  ({
    event: ChatBroadcast.MessageCreated,
    seq: payload.seq,
    data: { roomId: 'r1', seq: payload.seq, message: payload },
  }) as const;

describe('insertMessage', () => {
  it('appends in seq order and ignores a message already held', () => {
    const held = [message(1), message(3)];
    expect(insertMessage(held, message(2)).map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect(insertMessage(held, message(3))).toBe(held);
  });
});

describe('applyRoomChange', () => {
  it('applies a new message once, counting it unread when the user looks elsewhere', () => {
    const view = joined([message(1)], 1);
    const away = applyRoomChange(view, created(message(2, bob, { mentions: [ada] })), { me: ada, away: true });
    expect([away.seq, away.messages.length, away.unread, away.mentions]).toEqual([2, 2, 1, 1]);
    expect(applyRoomChange(away, created(message(2)), { me: ada, away: true })).toBe(away);
    const looking = applyRoomChange(view, created(message(2)), { me: ada, away: false });
    expect(looking.unread).toBe(0);
  });

  it('replaces an edited message and uncounts a deleted unread one', () => {
    const view = applyRoomChange(joined([message(1)], 1), created(message(2)), { me: ada, away: true });
    const deleted = applyRoomChange(
      view,
      {
        event: ChatBroadcast.MessageDeleted,
        seq: 3,
        data: { roomId: 'r1', seq: 3, message: message(2, bob, { deletedAt: 'now', text: '' }) },
      },
      { me: ada, away: true },
    );
    expect([deleted.unread, deleted.messages[1]?.deletedAt]).toEqual([0, 'now']);
  });
});

describe('applyJoined', () => {
  it('replays missed changes on the room held', () => {
    const view = joined([message(1)]);
    const next = applyJoined(
      view,
      { ...snapshot(3, []), changes: [created(message(2)), created(message(3))] },
      { me: ada, away: false },
    );
    expect(next?.messages.map((entry) => entry.seq)).toEqual([1, 2, 3]);
  });

  it('replaces the room with a snapshot when the gap was too old', () => {
    const next = applyJoined(
      joined([message(1)]),
      { ...snapshot(9, [message(9)]), snapshot: true },
      {
        me: ada,
        away: false,
      },
    );
    expect(next?.messages.map((entry) => entry.seq)).toEqual([9]);
  });
});

describe('moveReadMarker', () => {
  it('moves forward only, recounting what is left unread', () => {
    const view = joined([message(1), message(2), message(3)], 1);
    expect(view.unread).toBe(2);
    const read = moveReadMarker(view, 3, ada);
    expect([read.readSeq, read.unread]).toEqual([3, 0]);
    expect(moveReadMarker(read, 2, ada)).toBe(read);
  });
});

describe('applyPresenceDelta', () => {
  it('applies the next version and reports a gap', () => {
    const view = joined([]);
    const member = { ...bob, status: 'online' as const, lastSeenAt: 'now' };
    const next = applyPresenceDelta(view, { roomId: 'r1', version: 2, online: 2, members: [member], removed: [] });
    expect(next !== 'gap' && next.members).toEqual([member]);
    expect(applyPresenceDelta(view, { roomId: 'r1', version: 4, online: 2, members: [], removed: [] })).toBe('gap');
  });
});
