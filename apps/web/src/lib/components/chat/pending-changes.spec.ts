import { describe, expect, it } from '@jest/globals';
import type { MessageChange } from '@tandem/client';
import type { Message } from '@tandem/contract';
import { withPendingChanges } from './pending-changes.js';

const me = 'u-me';
const message: Message = {
  id: 'm1',
  roomId: 'r1',
  seq: 3,
  author: { id: me, name: 'Me' },
  text: 'Typo hree',
  kind: 'user',
  createdAt: '2026-03-02T10:00:00.000Z',
  reactions: [{ emoji: '👍', count: 1, userIds: ['u-ada'] }],
  mentions: [],
};
let opId = 0;
const change = (kind: MessageChange['kind'], extra: Partial<MessageChange> = {}): MessageChange => ({
  opId: `op${++opId}`,
  messageId: message.id,
  kind,
  status: 'queued',
  ...extra,
});

describe(withPendingChanges.name, () => {
  it('is the message itself without changes', () => {
    expect(withPendingChanges(message, [], me)).toBe(message);
  });

  it('shows the last edit’s text', () => {
    const shown = withPendingChanges(
      message,
      [change('edit', { text: 'Typo here' }), change('edit', { text: 'Fixed' })],
      me,
    );
    expect(shown.text).toBe('Fixed');
  });

  it('adds the user to a reaction, or a new reaction, and takes them off again', () => {
    const added = withPendingChanges(message, [change('react', { emoji: '👍' }), change('react', { emoji: '🎉' })], me);
    expect(added.reactions).toEqual([
      { emoji: '👍', count: 2, userIds: ['u-ada', me] },
      { emoji: '🎉', count: 1, userIds: [me] },
    ]);
    const undone = withPendingChanges(added, [change('react', { emoji: '🎉' })], me);
    expect(undone.reactions).toEqual([{ emoji: '👍', count: 2, userIds: ['u-ada', me] }]);
  });

  it('shows a delete as deleted, and nothing after it', () => {
    const shown = withPendingChanges(message, [change('delete'), change('edit', { text: 'too late' })], me);
    expect(shown.deletedAt).toBeDefined();
    expect(shown.text).toBe('');
    expect(shown.reactions).toEqual([]);
  });

  it('leaves the message it was given alone', () => {
    withPendingChanges(message, [change('edit', { text: 'Fixed' }), change('react', { emoji: '👍' })], me);
    expect(message.text).toBe('Typo hree');
    expect(message.reactions).toEqual([{ emoji: '👍', count: 1, userIds: ['u-ada'] }]);
  });
});
