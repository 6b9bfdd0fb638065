import type { MessageChange } from '@tandem/client';
import type { Message } from '@tandem/contract';

/**
 * A message as it will be once the user's queued edits, deletes and reactions are applied, in
 * the order they were made: what they did shows at once, offline too.
 */
export function withPendingChanges(message: Message, changes: readonly MessageChange[], meId: string): Message {
  return changes.reduce<Message>((shown, change) => {
    if (shown.deletedAt !== undefined) return shown;
    switch (change.kind) {
      case 'edit':
        return { ...shown, text: change.text ?? shown.text };
      case 'delete':
        // The time is the server's to give; until then any value says "deleted".
        return { ...shown, text: '', reactions: [], mentions: [], deletedAt: shown.createdAt };
      case 'react':
        return change.emoji ? { ...shown, reactions: toggled(shown.reactions, change.emoji, meId) } : shown;
    }
  }, message);
}

function toggled(reactions: Message['reactions'], emoji: string, userId: string): Message['reactions'] {
  const held = reactions.find((reaction) => reaction.emoji === emoji);
  if (!held) return [...reactions, { emoji, count: 1, userIds: [userId] }];
  const leaving = held.userIds.includes(userId);
  const userIds = leaving ? held.userIds.filter((id) => id !== userId) : [...held.userIds, userId];
  const count = held.count + (leaving ? -1 : 1);
  return count === 0
    ? reactions.filter((reaction) => reaction !== held)
    : reactions.map((reaction) => (reaction === held ? { ...reaction, count, userIds } : reaction));
}

/** The user's changes not acknowledged yet, by the message they change. */
export function changesByMessage(changes: readonly MessageChange[]): Map<string, MessageChange[]> {
  const byMessage = new Map<string, MessageChange[]>();
  for (const change of changes) byMessage.set(change.messageId, [...(byMessage.get(change.messageId) ?? []), change]);
  return byMessage;
}
