import { z } from 'zod';
import type { AckCallback } from './ack.js';
import type { SessionClientEvents, SessionServerEvents } from './auth.js';
import {
  Limits,
  displayName,
  id,
  inviteCode,
  opId,
  seq,
  visibility,
  type ChangeOf,
  type User,
  type Visibility,
} from './common.js';
import {
  emoji,
  messageText,
  type Message,
  type MessageCreated,
  type MessageDeleted,
  type MessageUpdated,
  type ReadMarker,
} from './messages.js';
import type { DirectoryServerEvents } from './spaces.js';
import { roomMembersSchema, type PresenceChanged, type PresencePage, type TypingChanged } from './presence.js';
import { messageSearchSchema, type MessageSearchResult } from './search.js';
import { threadHistorySchema, type ThreadHistoryResult } from './threads.js';

/** Commands of the `/chat` namespace: client → server, each answered with an `Ack`. */
export const ChatCommand = {
  RoomCreate: 'room:create',
  RoomList: 'room:list',
  RoomJoin: 'room:join',
  RoomLeave: 'room:leave',
  /** Owner only: a new name, announced by a system message. */
  RoomRename: 'room:rename',
  /** Owner of a private room only: a new invite code; the old one stops working. */
  RoomInviteRotate: 'room:invite:rotate',
  /** Moves the user's read marker forward. */
  RoomRead: 'room:read',
  MessageSend: 'message:send',
  MessageEdit: 'message:edit',
  MessageDelete: 'message:delete',
  MessageHistory: 'message:history',
  /** Full-text search over the rooms the user may read, newest first (see search.ts). */
  MessageSearch: 'message:search',
  /** A page of a thread's replies, with its parent (see threads.ts). */
  ThreadHistory: 'thread:history',
  ReactionToggle: 'reaction:toggle',
  /** A page of the room's online users; for rooms the socket has joined. */
  RoomMembers: 'room:members',
} as const;
export type ChatCommand = (typeof ChatCommand)[keyof typeof ChatCommand];

/** Volatile client signals of `/chat`: no ack, throttled, never persisted. */
export const ChatSignal = {
  Typing: 'typing',
  /** "The person is here": sent on input (throttled by the client) so the user is not shown away. */
  Activity: 'activity',
} as const;
export type ChatSignal = (typeof ChatSignal)[keyof typeof ChatSignal];

/** Server → client events of `/chat`. */
export const ChatBroadcast = {
  MessageCreated: 'message:created',
  /** An edit, or a reaction added or removed: the whole message as it is now. */
  MessageUpdated: 'message:updated',
  /** A soft delete: the message keeps its id and seq, with `deletedAt` set and no text. */
  MessageDeleted: 'message:deleted',
  /** A new name (`room:rename`). */
  RoomUpdated: 'room:updated',
  /** A member's read marker moved: to the room, and to the member's own sockets. Not logged. */
  ReadUpdated: 'read:updated',
  Presence: 'presence',
  Typing: 'typing',
  /** To the user's own sockets: they left the room (in any tab), and no longer hear it. */
  RoomLeft: 'room:left',
} as const;
export type ChatBroadcast = (typeof ChatBroadcast)[keyof typeof ChatBroadcast];

// ---- entities -------------------------------------------------------------------------------

export interface Room {
  id: string;
  name: string;
  visibility: Visibility;
  /** The user who created the room: the only one who may rename it or rotate its invite code. */
  ownerId: string;
  createdAt: string;
  /** The last `seq` of the room's change stream. */
  seq: number;
  /** Only for the room's members, and only for private rooms. */
  inviteCode?: string;
}

/** A room as `room:list` shows it: with the user's membership and what they have not read. */
export interface RoomListEntry extends Room {
  /** Whether the user is a member (joined, and has not left since). */
  member: boolean;
  /** The user's read marker: the `seq` up to which they have read (0 when not a member). */
  readSeq: number;
  /** Messages after `readSeq` that count as unread (see `countsAsUnread`); 0 when not a member. */
  unread: number;
  /** Those of the unread messages that mention the user. */
  mentions: number;
}

/** The public room every database starts with; its first message (seq 1) is the welcome. */
export const generalRoom = { id: '00000000-0000-4000-8000-000000000002', name: 'general' } as const;

// ---- command payloads -----------------------------------------------------------------------

export const chatCommandSchemas = {
  [ChatCommand.RoomCreate]: z.strictObject({ name: displayName, visibility: visibility.optional() }),
  [ChatCommand.RoomList]: z.strictObject({}),
  [ChatCommand.RoomJoin]: z.strictObject({
    roomId: id,
    sinceSeq: seq.optional(),
    inviteCode: inviteCode.optional(),
  }),
  [ChatCommand.RoomLeave]: z.strictObject({ roomId: id }),
  [ChatCommand.RoomRename]: z.strictObject({ opId, roomId: id, name: displayName }),
  [ChatCommand.RoomInviteRotate]: z.strictObject({ opId, roomId: id }),
  /** `seq`: the last seq the user has seen; beyond the room's last seq, the marker stops at the last. */
  [ChatCommand.RoomRead]: z.strictObject({ roomId: id, seq }),
  /** With `replyTo`, a reply in the thread of that message of the room (a reply's own thread: its parent's). */
  [ChatCommand.MessageSend]: z.strictObject({ opId, roomId: id, text: messageText, replyTo: id.optional() }),
  [ChatCommand.MessageEdit]: z.strictObject({ opId, messageId: id, text: messageText }),
  [ChatCommand.MessageDelete]: z.strictObject({ opId, messageId: id }),
  [ChatCommand.ReactionToggle]: z.strictObject({ opId, messageId: id, emoji }),
  [ChatCommand.MessageHistory]: z.strictObject({
    roomId: id,
    /** The `seq` of the oldest message already held: the page ends just before it. */
    before: seq.optional(),
    limit: z.int().min(1).max(Limits.historyPageMax).default(Limits.historyPageDefault),
  }),
  [ChatCommand.RoomMembers]: roomMembersSchema,
  [ChatCommand.MessageSearch]: messageSearchSchema,
  [ChatCommand.ThreadHistory]: threadHistorySchema,
} as const;

export const chatSignalSchemas = {
  [ChatSignal.Typing]: z.strictObject({ roomId: id, typing: z.boolean() }),
  [ChatSignal.Activity]: z.strictObject({}),
} as const;

type Schemas = typeof chatCommandSchemas;
/** A command's payload as the server sees it after parsing (defaults applied). */
export type ChatInput<C extends ChatCommand> = z.output<Schemas[C]>;
export type ChatSignalInput<S extends ChatSignal> = z.output<(typeof chatSignalSchemas)[S]>;
export type TypingInput = z.input<(typeof chatSignalSchemas)['typing']>;
export type ActivityInput = z.input<(typeof chatSignalSchemas)['activity']>;

// ---- broadcasts -----------------------------------------------------------------------------

export interface RoomUpdated {
  roomId: string;
  seq: number;
  /** Without `inviteCode`: `room:list` and `room:join` give it to members. */
  room: Room;
}
/** Not a change of the room: it has no `seq` of its own, and is not replayed by a resync. */
export interface ReadUpdated {
  roomId: string;
  user: User;
  /** The member's read marker now. */
  readSeq: number;
}

/** Persisted broadcasts, replayed by a resync: the `event` of a chat `Change`. */
export interface ChatChangeEvents {
  [ChatBroadcast.MessageCreated]: MessageCreated;
  [ChatBroadcast.MessageUpdated]: MessageUpdated;
  [ChatBroadcast.MessageDeleted]: MessageDeleted;
  [ChatBroadcast.RoomUpdated]: RoomUpdated;
}
export type ChatChange = ChangeOf<ChatChangeEvents>;

// ---- command results ------------------------------------------------------------------------

/** What every form of `room:join` answers besides messages or changes. */
interface RoomJoinCommon {
  room: Room;
  seq: number;
  /**
   * The first page of the room's online users (`members`, sorted by name), their count and the
   * presence version they are at; later `presence` deltas apply on top of it.
   */
  presence: PresencePage;
  /** The furthest read markers, up to `Limits.readMarkers` (furthest first). */
  readMarkers: ReadMarker[];
  /** The user's own read marker (a first join sets it to the room's seq): where "new messages" begin. */
  readSeq: number;
}
export interface RoomSnapshot extends RoomJoinCommon {
  messages: Message[];
}
/** `room:join` with `sinceSeq`: the missed changes in order, or a snapshot when the gap is too old. */
export type RoomResync = (RoomJoinCommon & { changes: ChatChange[] }) | (RoomSnapshot & { snapshot: true });
export type RoomJoined = RoomSnapshot | RoomResync;

/** `room:read`: the marker as stored (never behind what it was), and what is left unread. */
export interface RoomReadResult {
  roomId: string;
  readSeq: number;
  unread: number;
  mentions: number;
}

export interface ChatCommandResults {
  [ChatCommand.RoomCreate]: { room: Room };
  [ChatCommand.RoomList]: { rooms: RoomListEntry[] };
  [ChatCommand.RoomJoin]: RoomJoined;
  [ChatCommand.RoomLeave]: { roomId: string };
  [ChatCommand.RoomRename]: { room: Room };
  /** The room with its new `inviteCode`. */
  [ChatCommand.RoomInviteRotate]: { room: Room };
  [ChatCommand.RoomRead]: RoomReadResult;
  [ChatCommand.MessageSend]: { message: Message };
  [ChatCommand.MessageEdit]: { message: Message };
  [ChatCommand.MessageDelete]: { message: Message };
  [ChatCommand.MessageHistory]: { messages: Message[]; nextCursor: number | null };
  [ChatCommand.ReactionToggle]: { message: Message };
  [ChatCommand.RoomMembers]: PresencePage;
  [ChatCommand.MessageSearch]: MessageSearchResult;
  [ChatCommand.ThreadHistory]: ThreadHistoryResult;
}

// ---- typed Socket.IO event maps -------------------------------------------------------------

export type ChatClientEvents = SessionClientEvents & {
  [C in ChatCommand]: (payload: z.input<Schemas[C]>, ack: AckCallback<ChatCommandResults[C]>) => void;
} & {
  [ChatSignal.Typing]: (payload: TypingInput) => void;
  [ChatSignal.Activity]: (payload: ActivityInput) => void;
};

export interface ChatServerEvents extends SessionServerEvents, DirectoryServerEvents {
  [ChatBroadcast.MessageCreated]: (payload: MessageCreated) => void;
  [ChatBroadcast.MessageUpdated]: (payload: MessageUpdated) => void;
  [ChatBroadcast.MessageDeleted]: (payload: MessageDeleted) => void;
  [ChatBroadcast.RoomUpdated]: (payload: RoomUpdated) => void;
  [ChatBroadcast.ReadUpdated]: (payload: ReadUpdated) => void;
  [ChatBroadcast.Presence]: (payload: PresenceChanged) => void;
  [ChatBroadcast.Typing]: (payload: TypingChanged) => void;
  [ChatBroadcast.RoomLeft]: (payload: { roomId: string }) => void;
}
