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
  type Change,
  type User,
  type Visibility,
} from './common.js';

/** Commands of the `/chat` namespace: client → server, each answered with an `Ack`. */
export const ChatCommand = {
  RoomCreate: 'room:create',
  RoomList: 'room:list',
  RoomJoin: 'room:join',
  RoomLeave: 'room:leave',
  MessageSend: 'message:send',
  MessageHistory: 'message:history',
} as const;
export type ChatCommand = (typeof ChatCommand)[keyof typeof ChatCommand];

/** Volatile client signals of `/chat`: no ack, throttled, never persisted. */
export const ChatSignal = {
  Typing: 'typing',
} as const;
export type ChatSignal = (typeof ChatSignal)[keyof typeof ChatSignal];

/** Server → client events of `/chat`. */
export const ChatBroadcast = {
  MessageCreated: 'message:created',
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
  createdBy: string;
  createdAt: string;
  /** The last `seq` of the room's change stream. */
  seq: number;
  /** Only for the room's members, and only for private rooms. */
  inviteCode?: string;
}

export interface Message {
  id: string;
  roomId: string;
  /** The `seq` of the change that created the message: its position in the room. */
  seq: number;
  author: User;
  text: string;
  createdAt: string;
}

// ---- command payloads -----------------------------------------------------------------------

const messageText = z.string().trim().min(1, 'must not be empty').max(Limits.messageText);

export const chatCommandSchemas = {
  [ChatCommand.RoomCreate]: z.strictObject({ name: displayName, visibility: visibility.optional() }),
  [ChatCommand.RoomList]: z.strictObject({}),
  [ChatCommand.RoomJoin]: z.strictObject({
    roomId: id,
    sinceSeq: seq.optional(),
    inviteCode: inviteCode.optional(),
  }),
  [ChatCommand.RoomLeave]: z.strictObject({ roomId: id }),
  [ChatCommand.MessageSend]: z.strictObject({ opId, roomId: id, text: messageText }),
  [ChatCommand.MessageHistory]: z.strictObject({
    roomId: id,
    /** The `seq` of the oldest message already held: the page ends just before it. */
    before: seq.optional(),
    limit: z.int().min(1).max(Limits.historyPageMax).default(Limits.historyPageDefault),
  }),
} as const;

export const chatSignalSchemas = {
  [ChatSignal.Typing]: z.strictObject({ roomId: id, typing: z.boolean() }),
} as const;

type Schemas = typeof chatCommandSchemas;
/** A command's payload as the server sees it after parsing (defaults applied). */
export type ChatInput<C extends ChatCommand> = z.output<Schemas[C]>;
export type ChatSignalInput<S extends ChatSignal> = z.output<(typeof chatSignalSchemas)[S]>;
export type RoomCreateInput = z.input<Schemas['room:create']>;
export type RoomJoinInput = z.input<Schemas['room:join']>;
export type MessageSendInput = z.input<Schemas['message:send']>;
export type MessageHistoryInput = z.input<Schemas['message:history']>;
export type TypingInput = z.input<(typeof chatSignalSchemas)['typing']>;

// ---- broadcasts -----------------------------------------------------------------------------

export interface MessageCreated {
  roomId: string;
  seq: number;
  message: Message;
}
export interface PresenceChanged {
  roomId: string;
  /** One entry per online user, whatever their number of tabs. */
  members: User[];
}
export interface TypingChanged {
  roomId: string;
  user: User;
  typing: boolean;
}

/** Persisted broadcasts, replayed by a resync: the `event` of a chat `Change`. */
export interface ChatChangeEvents {
  [ChatBroadcast.MessageCreated]: MessageCreated;
}
export type ChatChange = {
  [E in keyof ChatChangeEvents]: Change<E, ChatChangeEvents[E]>;
}[keyof ChatChangeEvents];

// ---- command results ------------------------------------------------------------------------

export interface RoomSnapshot {
  room: Room;
  seq: number;
  messages: Message[];
  members: User[];
}
/** `room:join` with `sinceSeq`: the missed changes in order, or a snapshot when the gap is too old. */
export type RoomResync =
  | { room: Room; seq: number; changes: ChatChange[]; members: User[] }
  | (RoomSnapshot & { snapshot: true });
export type RoomJoined = RoomSnapshot | RoomResync;

export interface ChatCommandResults {
  [ChatCommand.RoomCreate]: { room: Room };
  [ChatCommand.RoomList]: { rooms: Room[] };
  [ChatCommand.RoomJoin]: RoomJoined;
  [ChatCommand.RoomLeave]: { roomId: string };
  [ChatCommand.MessageSend]: { message: Message };
  [ChatCommand.MessageHistory]: { messages: Message[]; nextCursor: number | null };
}

// ---- typed Socket.IO event maps -------------------------------------------------------------

export type ChatClientEvents = SessionClientEvents & {
  [C in ChatCommand]: (
    payload: z.input<Schemas[C]>,
    ack: AckCallback<ChatCommandResults[C]>,
  ) => void;
} & {
  [ChatSignal.Typing]: (payload: TypingInput) => void;
};

export interface ChatServerEvents extends SessionServerEvents {
  [ChatBroadcast.MessageCreated]: (payload: MessageCreated) => void;
  [ChatBroadcast.Presence]: (payload: PresenceChanged) => void;
  [ChatBroadcast.Typing]: (payload: TypingChanged) => void;
  [ChatBroadcast.RoomLeft]: (payload: { roomId: string }) => void;
}
