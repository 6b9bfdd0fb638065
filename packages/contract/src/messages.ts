import { z } from 'zod';
import { Limits, type User } from './common.js';
import { isSingleEmoji } from './emoji.js';
import type { ThreadSummary } from './threads.js';

// The chat's messages and read markers: what a room holds.

export const messageKinds = ['user', 'system'] as const;
export type MessageKind = (typeof messageKinds)[number];

/** What a system message records. */
export const SystemAction = {
  /** The greeting of the `general` room, its first message. */
  Welcome: 'welcome',
  /** `author` became a member. */
  Joined: 'joined',
  /** `author` stopped being a member. */
  Left: 'left',
  /** `author` renamed the room; the text names the new name. */
  Renamed: 'renamed',
} as const;
export type SystemAction = (typeof SystemAction)[keyof typeof SystemAction];

/**
 * The server's own user: the author of messages about no one in particular (the welcome). It has
 * no session: nobody can sign in as it.
 */
export const systemUser: User = { id: '00000000-0000-4000-8000-000000000001', name: 'Tandem' };

/** The reactions of a message with one emoji. */
export interface Reaction {
  emoji: string;
  count: number;
  /** Who reacted, in the order they did. */
  userIds: string[];
}

export interface Message {
  id: string;
  roomId: string;
  /** The `seq` of the change that created the message: its position in the room. Never changes. */
  seq: number;
  /** Who wrote it; for a system message, whom it is about (the server's own user for `welcome`). */
  author: User;
  /** Empty once deleted. */
  text: string;
  kind: MessageKind;
  /** Present on system messages only. */
  action?: SystemAction;
  createdAt: string;
  /** Present once edited: the time of the last edit. */
  editedAt?: string;
  /** Present once deleted; `text` is then empty, and `reactions` and `mentions` too. */
  deletedAt?: string;
  /** One entry per emoji, in the order the emoji were first used. */
  reactions: Reaction[];
  /** The room members named with `@name` in the text, as resolved when it was written or last edited. */
  mentions: User[];
  /** On a reply: the id of its thread's parent. A reply shows in its thread, not in the room's log. */
  replyTo?: string;
  /** On a thread parent with replies (deleted or not): the count, the last reply's time, the latest repliers. */
  thread?: ThreadSummary;
}

/**
 * A member's read marker: they have read the room up to `readSeq`. "Seen by" is derived from
 * these. Read markers are named `readSeq` everywhere, so they are never taken for a change's `seq`.
 */
export interface ReadMarker {
  user: User;
  readSeq: number;
  /** When the member was last connected (null: not since this was recorded); see `presence` for who is online now. */
  lastSeenAt: string | null;
}

/**
 * The unread rule, shared by the server's counts and clients that keep badges live: a message
 * counts when it comes after the read marker, was written by someone else, is not deleted, is
 * not a system message, and is not a reply (replies count in their thread, see `ThreadSummary`).
 */
export function countsAsUnread(message: Message, userId: string, readSeq: number): boolean {
  return (
    message.seq > readSeq &&
    message.kind === 'user' &&
    message.author.id !== userId &&
    message.deletedAt === undefined &&
    message.replyTo === undefined
  );
}

// ---- payload fields ---------------------------------------------------------------------------

export const messageText = z.string().trim().min(1, 'must not be empty').max(Limits.messageText);
export const emoji = z
  .string()
  .max(Limits.emojiLength)
  .refine(isSingleEmoji, 'must be a single emoji (one grapheme, such as 👍, 🇫🇷 or 👩‍💻)');

// ---- broadcasts -----------------------------------------------------------------------------

/** `message:created`, `message:updated` and `message:deleted`: `seq` is the change's, `message.seq` the message's. */
export interface MessageChanged {
  roomId: string;
  seq: number;
  message: Message;
}
/**
 * `opId`: the `message:send` that wrote a user's message, so that the sender's clients replace
 * their pending copy with it whether this or the ack comes first (absent on system messages).
 */
export interface MessageCreated extends MessageChanged {
  opId?: string;
}
export type MessageUpdated = MessageChanged;
export type MessageDeleted = MessageChanged;
