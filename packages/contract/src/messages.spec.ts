import { describe, expect, it } from '@jest/globals';
import { countsAsUnread, emoji, type Message } from './messages.js';

const me = 'u-me';

function message(overrides: Partial<Message> = {}): Message {
  return {
    id: 'm1',
    roomId: 'r1',
    seq: 5,
    author: { id: 'u-other', name: 'other' },
    text: 'hello',
    kind: 'user',
    createdAt: '2026-01-01T00:00:00.000Z',
    reactions: [],
    mentions: [],
    ...overrides,
  };
}

describe('countsAsUnread', () => {
  it("counts someone else's message after the marker", () => {
    expect(countsAsUnread(message(), me, 4)).toBe(true);
  });

  it('does not count what the marker already covers', () => {
    expect(countsAsUnread(message({ seq: 4 }), me, 4)).toBe(false);
    expect(countsAsUnread(message({ seq: 3 }), me, 4)).toBe(false);
  });

  it("does not count one's own messages, deleted ones, or system messages", () => {
    expect(countsAsUnread(message({ author: { id: me, name: 'me' } }), me, 0)).toBe(false);
    expect(countsAsUnread(message({ text: '', deletedAt: '2026-01-01T00:01:00.000Z' }), me, 0)).toBe(false);
    expect(countsAsUnread(message({ kind: 'system', action: 'joined' }), me, 0)).toBe(false);
  });
});

describe('emoji', () => {
  it('accepts one emoji and refuses text, with a message that says why', () => {
    expect(emoji.safeParse('🎉').success).toBe(true);
    const refused = emoji.safeParse('party');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toMatch(/single emoji/);
  });

  it('refuses oversize strings without looking at their graphemes', () => {
    expect(emoji.safeParse('x'.repeat(70_000)).success).toBe(false);
  });
});
