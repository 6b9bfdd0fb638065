import { describe, expect, it } from '@jest/globals';
import type { Message } from '@tandem/contract';
import { dividerShownBy, groupGapMs, messageEntries } from './message-entries.js';

const me = 'u-me';
const ada = { id: 'u-ada', name: 'Ada' };
const start = Date.parse('2026-03-02T10:00:00.000Z');

function message(seq: number, overrides: Partial<Message> = {}, minutes = seq): Message {
  return {
    id: `m${seq}`,
    roomId: 'r1',
    seq,
    author: ada,
    text: `text ${seq}`,
    kind: 'user',
    createdAt: new Date(start + minutes * 60_000).toISOString(),
    reactions: [],
    mentions: [],
    ...overrides,
  };
}

/** The entries as short strings: `day`, `divider`, `system:m3`, `m1`, `m2+` (continued), `out:op1`. */
function layout(...args: Parameters<typeof messageEntries>): string[] {
  return messageEntries(...args).map((entry) => {
    switch (entry.kind) {
      case 'day':
      case 'divider':
        return entry.kind;
      case 'system':
        return `system:${entry.key}`;
      case 'message':
        return `${entry.key}${entry.continued ? '+' : ''}`;
      case 'outgoing':
        return `out:${entry.opId}${entry.continued ? '+' : ''}`;
    }
  });
}

describe(messageEntries.name, () => {
  it('groups one author’s messages close in time under one header', () => {
    const messages = [message(1), message(2), message(3, {}, 3 + groupGapMs / 60_000)];
    expect(layout({ messages, unsent: [], meId: me, dividerSeq: 3 })).toEqual(['day', 'm1', 'm2+', 'm3']);
  });

  it('starts a group at another author, a system line and a new day', () => {
    const messages = [
      message(1),
      message(2, { author: { id: me, name: 'Me' } }),
      message(3, { kind: 'system', action: 'joined' }),
      message(4),
      message(5, {}, 24 * 60),
    ];
    expect(layout({ messages, unsent: [], meId: me, dividerSeq: 5 })).toEqual([
      'day',
      'm1',
      'm2',
      'system:m3',
      'm4',
      'day',
      'm5',
    ]);
  });

  it('puts the divider above the first unread message after `dividerSeq`, breaking the group', () => {
    const messages = [message(1), message(2, { author: { id: me, name: 'Me' } }), message(3), message(4)];
    expect(layout({ messages, unsent: [], meId: me, dividerSeq: 1 })).toEqual([
      'day',
      'm1',
      'm2',
      'divider',
      'm3',
      'm4+',
    ]);
  });

  it('shows no divider when nothing after it counts as unread (one’s own messages, deleted ones)', () => {
    const messages = [
      message(1),
      message(2, { author: { id: me, name: 'Me' } }),
      message(3, { deletedAt: new Date(start).toISOString(), text: '' }),
    ];
    expect(layout({ messages, unsent: [], meId: me, dividerSeq: 1 })).not.toContain('divider');
  });

  it('puts unsent messages last, grouped with one’s own last message', () => {
    const messages = [message(1, { author: { id: me, name: 'Me' } })];
    const unsent = [{ opId: 'op1', createdAt: new Date(start + 2 * 60_000).toISOString() }];
    expect(layout({ messages, unsent, meId: me, dividerSeq: 1 })).toEqual(['day', 'm1', 'out:op1+']);
  });
});

describe(dividerShownBy.name, () => {
  const messages = [message(1), message(2), message(3)];

  it('is false when every message up to `seq` is at or below the divider', () => {
    expect(dividerShownBy(messages, me, 2, 2)).toBe(false);
  });

  it('is true when an unread message up to `seq` is past the divider', () => {
    expect(dividerShownBy(messages, me, 1, 2)).toBe(true);
  });

  it('ignores messages after `seq`: the ones that just came', () => {
    expect(dividerShownBy(messages, me, 2, 2)).toBe(false);
    expect(dividerShownBy(messages.slice(0, 2), me, 2, 3)).toBe(false);
  });
});
