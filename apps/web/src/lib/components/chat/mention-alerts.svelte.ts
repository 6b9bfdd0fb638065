import { countsAsUnread, type Message } from '@tandem/contract';
import type { ChatManager } from '../../chat.svelte.js';

/** Unread messages that mention the user, across rooms: shown on the Chat tab and in the title from any view. */
export const mentionAlerts = $state({ count: 0 });

/** Messages after the user's read marker, by others, that mention them. */
export function unreadMentions(messages: readonly Message[], meId: string, readSeq: number): number {
  return messages.filter(
    (message) => countsAsUnread(message, meId, readSeq) && message.mentions.some((user) => user.id === meId),
  ).length;
}

/**
 * The count for every room the user is in: the joined ones from their messages and read marker
 * (they keep hearing broadcasts whatever view is shown), the others as the room list gave them.
 */
export function mentionsAcrossRooms(chat: ChatManager): number {
  let count = 0;
  for (const room of chat.sidebarEntries) {
    const view = chat.views[room.id];
    count += view ? unreadMentions(view.messages, chat.me.id, view.readSeq) : chat.unreadOf(room.id).mentions;
  }
  return count;
}
