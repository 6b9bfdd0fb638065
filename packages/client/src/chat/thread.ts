import { ChatBroadcast, type ChatChange, type Message, type ThreadHistoryResult } from '@tandem/contract';
import { insertMessage, type Reader } from './room.js';

/**
 * The thread this client shows: a parent and its replies, kept live by the room's broadcasts.
 * Replies are messages of the room (they take its seqs), so a thread follows the room's seq.
 */
export interface ThreadState {
  roomId: string;
  parentId: string;
  /** As the room held it when the thread opened, then as the server gives it. */
  parent: Message | null;
  /** Oldest first. */
  replies: Message[];
  /** The room's seq the thread is current at: broadcasts at or below it are already here. */
  seq: number;
  /** `loading` until its first page answers. */
  status: 'loading' | 'open';
  hasOlder: boolean;
  loadingOlder: boolean;
  /** Replies by others that came while the user was not looking at the thread. */
  unread: number;
}

/** A thread being opened: the parent as held, no replies until the first page answers. */
export function openingThread(parentId: string, parent: Message | undefined): ThreadState {
  return {
    roomId: parent?.roomId ?? '',
    parentId,
    parent: parent ?? null,
    replies: [],
    seq: 0,
    status: 'loading',
    hasOlder: false,
    loadingOlder: false,
    unread: 0,
  };
}

/** The first page of a thread (its newest replies), as `thread:history` answers it. */
export function threadFromPage(page: ThreadHistoryResult, previous: ThreadState): ThreadState {
  return {
    ...previous,
    roomId: page.roomId,
    parent: page.parent,
    replies: page.replies,
    seq: page.seq,
    status: 'open',
    hasOlder: page.nextCursor !== null,
    loadingOlder: false,
  };
}

/** An older page, put before the replies held (a reply already held is not repeated). */
export function withOlderReplies(thread: ThreadState, page: ThreadHistoryResult): ThreadState {
  const older = page.replies.filter((reply) => !thread.replies.some((held) => held.id === reply.id));
  return { ...thread, replies: [...older, ...thread.replies], hasOlder: page.nextCursor !== null, loadingOlder: false };
}

/**
 * A reply as an ack gives it (one's own new reply, edit, delete or reaction): replaced when held,
 * else inserted (its broadcast may come later, or may have come already).
 */
export function withReply(thread: ThreadState, reply: Message): ThreadState {
  if (reply.replyTo !== thread.parentId) return thread;
  const replies = thread.replies.some((held) => held.id === reply.id)
    ? thread.replies.map((held) => (held.id === reply.id ? reply : held))
    : insertMessage(thread.replies, reply);
  return { ...thread, replies };
}

/**
 * One of the room's logged changes, applied once (at or below the thread's seq it is already
 * here): a new reply, a reply changed or deleted, the parent changed (its summary too).
 */
export function applyThreadChange(thread: ThreadState, change: ChatChange, reader: Reader): ThreadState {
  if (thread.status !== 'open' || change.data.roomId !== thread.roomId || change.seq <= thread.seq) return thread;
  const seq = change.seq;
  switch (change.event) {
    case ChatBroadcast.MessageCreated: {
      const { message } = change.data;
      if (message.replyTo !== thread.parentId) return { ...thread, seq };
      const counts = reader.away && message.author.id !== reader.me.id;
      return {
        ...thread,
        seq,
        replies: insertMessage(thread.replies, message),
        unread: thread.unread + (counts ? 1 : 0),
      };
    }
    case ChatBroadcast.MessageUpdated:
    case ChatBroadcast.MessageDeleted: {
      const { message } = change.data;
      if (message.id === thread.parentId) return { ...thread, seq, parent: message };
      if (message.replyTo !== thread.parentId) return { ...thread, seq };
      return { ...thread, seq, replies: thread.replies.map((held) => (held.id === message.id ? message : held)) };
    }
    case ChatBroadcast.RoomUpdated:
      return { ...thread, seq };
  }
}

/** The user looks at the thread: nothing in it is unread any more. */
export function threadSeen(thread: ThreadState): ThreadState {
  return thread.unread === 0 ? thread : { ...thread, unread: 0 };
}
