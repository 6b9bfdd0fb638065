/**
 * One driver per command of `command-costs`: what a simulated user sends next (from what it owns
 * and what its earlier acks told it), and what the ack changes in its own record of the world.
 * The phases run in this order, each on what the ones before it made; the record is also what
 * the database check compares with afterwards.
 */
import {
  ChatCommand,
  ListsCommand,
  ScoreboardCommand,
  listPath,
  ListsRoute,
  timeOrderedId,
  type Ack,
  type ListsCommandResults,
  type ScoreboardCommandResults,
} from '@tandem/contract';
import type { Socket } from 'socket.io-client';
import { tandemAckError } from './protocol.js';
import { command } from './sio.js';

export interface Shared {
  url: string;
  /** The list every user changes items of (public, every user joined). */
  listId: string;
  /** A small list the joins and the HTTP mirror read. */
  readListId: string;
  /** The room every user sends to (public, every user joined). */
  roomId: string;
}

export interface OwnItem {
  id: string;
  version: number;
  deleted: boolean;
}

export interface OwnMessage {
  id: string;
  seq: number;
  edits: number;
  reactions: number;
  deleted: boolean;
}

/** One simulated user: its sockets, what it owns, and cursors through it. */
export interface User {
  token: string;
  lists: Socket;
  chat: Socket;
  scoreboard: Socket;
  /** A room and a board it owns (renames and resets are the owner's). */
  ownRoomId: string;
  boardId: string;
  items: OwnItem[];
  messages: OwnMessage[];
  players: string[];
  readSeq: number;
  resets: number;
  scoreSum: number;
  cursor: number;
}

/** Sends the user's next command of a phase; `undefined` when it has nothing left to do. */
type Driver = (user: User, shared: Shared) => Promise<string | undefined> | undefined;

/** A board holds at most 500 players: each user adds up to this many to its own. */
const playersPerUser = 450;

/** The next element from the cursor on that matches, advancing the cursor past it. */
function nextOf<T>(user: User, from: T[], matches: (value: T) => boolean): T | undefined {
  for (let tried = 0; tried < from.length; tried++) {
    const value = from[user.cursor++ % from.length];
    if (matches(value)) return value;
  }
  return undefined;
}

async function send<R>(socket: Socket, event: string, payload: unknown, onOk?: (data: R) => void) {
  const ack = (await command(socket, event, payload)) as Ack<R>;
  const error = tandemAckError(ack);
  if (!error && ack.ok) onOk?.(ack.data);
  return error;
}

function versioned(
  event: string,
  matches: (item: OwnItem) => boolean,
  extra: (user: User, item: OwnItem) => Record<string, unknown> | undefined,
): Driver {
  return (user) => {
    const item = nextOf(user, user.items, matches);
    if (!item) return undefined;
    const more = extra(user, item);
    if (!more) return undefined;
    const payload = { opId: timeOrderedId(), itemId: item.id, version: item.version, ...more };
    return send<{ item: { version: number; deletedAt?: string | null } }>(user.lists, event, payload, (data) => {
      item.version = data.item.version;
      item.deleted = Boolean(data.item.deletedAt);
    });
  };
}

const live = (item: OwnItem) => !item.deleted;
const ownMessage = (message: OwnMessage) => !message.deleted;

export const drivers: [string, Driver][] = [
  [
    ListsCommand.ItemCreate,
    (user, shared) =>
      send<ListsCommandResults['item:create']>(
        user.lists,
        ListsCommand.ItemCreate,
        { opId: timeOrderedId(), listId: shared.listId, text: `item ${user.items.length}` },
        (data) => user.items.push({ id: data.item.id, version: data.item.version, deleted: false }),
      ),
  ],
  [
    ListsCommand.ItemUpdate,
    versioned(ListsCommand.ItemUpdate, live, (user) => ({ patch: { text: `edit ${user.cursor}` } })),
  ],
  [
    ListsCommand.ItemMove,
    versioned(ListsCommand.ItemMove, live, (user, item) => {
      const anchor = user.items[Math.floor(Math.random() * user.items.length)];
      return anchor.id === item.id || anchor.deleted ? { beforeId: null } : { afterId: anchor.id };
    }),
  ],
  [ListsCommand.ItemDelete, versioned(ListsCommand.ItemDelete, live, () => ({}))],
  [
    ListsCommand.ItemRestore,
    versioned(
      ListsCommand.ItemRestore,
      (item) => item.deleted,
      () => ({}),
    ),
  ],
  [
    ListsCommand.ListRename,
    (user, shared) =>
      send(user.lists, ListsCommand.ListRename, {
        opId: timeOrderedId(),
        listId: shared.listId,
        title: `list ${user.cursor++}`,
      }),
  ],
  [ListsCommand.ListJoin, (user, shared) => send(user.lists, ListsCommand.ListJoin, { listId: shared.readListId })],
  [
    `GET ${ListsRoute.List}`,
    async (user, shared) => {
      const response = await fetch(`${shared.url}${listPath(shared.readListId)}`, {
        headers: { authorization: `Bearer ${user.token}` },
      });
      await response.arrayBuffer();
      return response.status === 200 ? undefined : `HTTP ${response.status}`;
    },
  ],
  [
    ChatCommand.MessageSend,
    (user, shared) =>
      send<{ message: { id: string; seq: number } }>(
        user.chat,
        ChatCommand.MessageSend,
        { opId: timeOrderedId(), roomId: shared.roomId, text: `message ${user.messages.length}` },
        (data) =>
          user.messages.push({ id: data.message.id, seq: data.message.seq, edits: 0, reactions: 0, deleted: false }),
      ),
  ],
  [
    ChatCommand.MessageEdit,
    (user) => {
      const message = nextOf(user, user.messages, ownMessage);
      if (!message) return undefined;
      const payload = { opId: timeOrderedId(), messageId: message.id, text: `edited ${user.cursor}` };
      return send(user.chat, ChatCommand.MessageEdit, payload, () => message.edits++);
    },
  ],
  [
    ChatCommand.ReactionToggle,
    (user) => {
      const message = nextOf(user, user.messages, ownMessage);
      if (!message) return undefined;
      const payload = { opId: timeOrderedId(), messageId: message.id, emoji: '👍' };
      return send(user.chat, ChatCommand.ReactionToggle, payload, () => (message.reactions = 1 - message.reactions));
    },
  ],
  [
    ChatCommand.RoomRead,
    (user, shared) => {
      const next = user.messages.find((message) => message.seq > user.readSeq);
      if (!next) return undefined;
      return send(user.chat, ChatCommand.RoomRead, { roomId: shared.roomId, seq: next.seq }, () => {
        user.readSeq = Math.max(user.readSeq, next.seq);
      });
    },
  ],
  [
    ChatCommand.MessageDelete,
    (user) => {
      const message = user.messages.find(ownMessage);
      if (!message) return undefined;
      const payload = { opId: timeOrderedId(), messageId: message.id };
      return send(user.chat, ChatCommand.MessageDelete, payload, () => (message.deleted = true));
    },
  ],
  [
    ChatCommand.RoomRename,
    (user) =>
      send(user.chat, ChatCommand.RoomRename, {
        opId: timeOrderedId(),
        roomId: user.ownRoomId,
        name: `room ${user.cursor++}`,
      }),
  ],
  [ChatCommand.RoomJoin, (user, shared) => send(user.chat, ChatCommand.RoomJoin, { roomId: shared.roomId })],
  [
    ScoreboardCommand.PlayerAdd,
    (user) => {
      if (user.players.length >= playersPerUser) return undefined;
      const payload = { opId: timeOrderedId(), boardId: user.boardId, name: `player ${user.players.length}` };
      return send<ScoreboardCommandResults['player:add']>(
        user.scoreboard,
        ScoreboardCommand.PlayerAdd,
        payload,
        (data) => user.players.push(data.player.id),
      );
    },
  ],
  [
    ScoreboardCommand.PlayerRename,
    (user) => {
      const playerId = nextOf(user, user.players, () => true);
      if (!playerId) return undefined;
      const payload = { opId: timeOrderedId(), boardId: user.boardId, playerId, name: `renamed ${user.cursor}` };
      return send(user.scoreboard, ScoreboardCommand.PlayerRename, payload);
    },
  ],
  [
    ScoreboardCommand.ScoreAdd,
    (user) => {
      const playerId = nextOf(user, user.players, () => true);
      if (!playerId) return undefined;
      const payload = { opId: timeOrderedId(), boardId: user.boardId, playerId, delta: 1 };
      return send(user.scoreboard, ScoreboardCommand.ScoreAdd, payload, () => user.scoreSum++);
    },
  ],
  [
    ScoreboardCommand.BoardReset,
    (user) =>
      send(user.scoreboard, ScoreboardCommand.BoardReset, { opId: timeOrderedId(), boardId: user.boardId }, () => {
        user.resets++;
        user.scoreSum = 0;
      }),
  ],
  [
    ScoreboardCommand.BoardJoin,
    (user) => send(user.scoreboard, ScoreboardCommand.BoardJoin, { boardId: user.boardId }),
  ],
];
