import { z } from 'zod';
import { Limits, id, seq, type User } from './common.js';
import type { Message } from './messages.js';

// Replies and threads. A reply is a message of the room with `replyTo` set: it takes the room's
// next seq like any message, but shows in its thread, not in the room's log; the parent carries
// the thread's summary, kept live by `message:updated`.

/** How many of the latest repliers a thread's summary names. */
export const latestRepliersShown = 3;

/** What a thread parent shows under it: present once it has a reply that is not deleted. */
export interface ThreadSummary {
  /** Its replies that are not deleted. */
  replyCount: number;
  /** When the newest of them was written. */
  lastReplyAt: string;
  /** The authors of the newest replies, newest first, distinct, up to `latestRepliersShown`. */
  latestRepliers: User[];
}

/** `thread:history`: a page of a thread's replies, newest page first, like `message:history`. */
export const threadHistorySchema = z.strictObject({
  /** The thread's parent. */
  messageId: id,
  /** The `seq` of the oldest reply already held: the page ends just before it. */
  before: seq.optional(),
  limit: z.int().min(1).max(Limits.historyPageMax).default(Limits.historyPageDefault),
});

export interface ThreadHistoryResult {
  roomId: string;
  /** The room's seq when the page was read: broadcasts at or below it are already in it. */
  seq: number;
  /** The parent as it is now (deleted parents keep their thread). */
  parent: Message;
  /** Oldest first. */
  replies: Message[];
  /** `before` for the next (older) page; null after the oldest. */
  nextCursor: number | null;
}
