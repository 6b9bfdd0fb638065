import { countsAsUnread, type Message } from '@tandem/contract';

/** What the message log shows, top to bottom: day rules, the "new messages" divider, messages. */
export type Entry =
  | { kind: 'day'; key: string; day: Date }
  | { kind: 'divider'; key: string }
  | { kind: 'system'; key: string; message: Message }
  | { kind: 'message'; key: string; message: Message; continued: boolean }
  | { kind: 'outgoing'; key: string; opId: string; continued: boolean };

/** A message written here, not yet in the room's log. */
export interface Unsent {
  opId: string;
  createdAt: string;
}

/** Messages by one author closer together than this share one header. */
export const groupGapMs = 5 * 60_000;

/**
 * Lays out a room's log: a rule where the day changes; the "new messages" divider above the
 * first message after `dividerSeq` that counts as unread; consecutive messages of one author on
 * one day, less than `groupGapMs` apart, `continued` (shown without their header). A system line
 * or the divider starts a new group; the unsent messages follow, as the user's own.
 */
export function messageEntries({
  messages,
  unsent,
  meId,
  dividerSeq,
}: {
  messages: readonly Message[];
  unsent: readonly Unsent[];
  meId: string;
  dividerSeq: number;
}): Entry[] {
  const entries: Entry[] = [];
  let previous: { authorId: string; at: number; day: string } | null = null;
  let lastDay: string | null = null;
  let divided = false;

  const add = (authorId: string | null, createdAt: string, make: (continued: boolean) => Entry) => {
    const date = new Date(createdAt);
    const day = date.toDateString();
    if (lastDay !== day) entries.push({ kind: 'day', key: `day:${day}`, day: date });
    lastDay = day;
    const continued =
      authorId !== null &&
      previous !== null &&
      previous.day === day &&
      previous.authorId === authorId &&
      date.getTime() - previous.at < groupGapMs;
    entries.push(make(continued));
    previous = authorId === null ? null : { authorId, at: date.getTime(), day };
  };

  for (const message of messages) {
    if (!divided && countsAsUnread(message, meId, dividerSeq)) {
      divided = true;
      entries.push({ kind: 'divider', key: 'new-messages' });
      previous = null;
    }
    if (message.kind === 'system') {
      add(null, message.createdAt, () => ({ kind: 'system', key: message.id, message }));
    } else {
      add(message.author.id, message.createdAt, (continued) => ({
        kind: 'message',
        key: message.id,
        message,
        continued,
      }));
    }
  }
  for (const { opId, createdAt } of unsent) {
    add(meId, createdAt, (continued) => ({ kind: 'outgoing', key: opId, opId, continued }));
  }
  return entries;
}

/**
 * Whether the divider shows above a message at or below `seq`: while someone watches a room, the
 * divider follows the newest message unless it already marks messages that came while they were
 * away.
 */
export function dividerShownBy(messages: readonly Message[], meId: string, dividerSeq: number, seq: number): boolean {
  return messages.some((message) => message.seq <= seq && countsAsUnread(message, meId, dividerSeq));
}
