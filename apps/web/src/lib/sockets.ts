import {
  Namespace,
  type Ack,
  type ChatClientEvents,
  type ChatCommand,
  type ChatCommandResults,
  type ChatServerEvents,
  type ListsClientEvents,
  type ListsCommand,
  type ListsCommandResults,
  type ListsServerEvents,
  type ScoreboardClientEvents,
  type ScoreboardCommand,
  type ScoreboardCommandResults,
  type ScoreboardServerEvents,
} from '@tandem/contract';
import { io, type Socket } from 'socket.io-client';

/** The `/chat` socket, typed by the contract's event maps. */
export type ChatSocket = Socket<ChatServerEvents, ChatClientEvents>;

/** One socket per namespace; it connects when `connect()` is called. */
export function createChatSocket(token: string): ChatSocket {
  return io(Namespace.Chat, {
    auth: { token },
    transports: ['websocket', 'polling'],
    autoConnect: false,
  });
}

/** A command that got no answer at all (timeout, or the connection dropped on the way). */
export interface NoAnswer {
  ok: false;
  error: { code: 'NO_ANSWER'; message: string; details?: undefined };
}
export type CommandOutcome<T> = Ack<T> | NoAnswer;

export const commandTimeoutMs = 10_000;

type CommandPayload<C extends ChatCommand> = Parameters<ChatClientEvents[C]>[0];

/**
 * Sends one command and waits for its ack. Never throws: a missing answer becomes `NO_ANSWER`,
 * which callers tell apart from the server's own refusals.
 */
export async function sendCommand<C extends ChatCommand>(
  socket: ChatSocket,
  command: C,
  payload: CommandPayload<C>,
  timeoutMs = commandTimeoutMs,
): Promise<CommandOutcome<ChatCommandResults[C]>> {
  // Socket.IO would buffer the command until a reconnection; the caller decides instead.
  if (!socket.connected) {
    return { ok: false, error: { code: 'NO_ANSWER', message: 'you are offline' } };
  }
  // Socket.IO's mapped event types cannot follow a generic command name; the contract ties
  // each command to its payload and result, which this function's signature restates.
  const timed = socket.timeout(timeoutMs) as unknown as {
    emitWithAck(event: C, payload: CommandPayload<C>): Promise<Ack<ChatCommandResults[C]>>;
  };
  try {
    return await timed.emitWithAck(command, payload);
  } catch {
    const message = socket.connected
      ? 'the server did not answer in time'
      : 'the connection dropped before the server answered';
    return { ok: false, error: { code: 'NO_ANSWER', message } };
  }
}

/** The `/scoreboard` socket, typed by the contract's event maps. */
export type ScoreboardSocket = Socket<ScoreboardServerEvents, ScoreboardClientEvents>;

export function createScoreboardSocket(token: string): ScoreboardSocket {
  return io(Namespace.Scoreboard, {
    auth: { token },
    transports: ['websocket', 'polling'],
    autoConnect: false,
  });
}

type ScoreboardPayload<C extends ScoreboardCommand> = Parameters<ScoreboardClientEvents[C]>[0];

/** `sendCommand` for `/scoreboard`: never throws, a missing answer becomes `NO_ANSWER`. */
export async function sendScoreboardCommand<C extends ScoreboardCommand>(
  socket: ScoreboardSocket,
  command: C,
  payload: ScoreboardPayload<C>,
  timeoutMs = commandTimeoutMs,
): Promise<CommandOutcome<ScoreboardCommandResults[C]>> {
  if (!socket.connected) {
    return { ok: false, error: { code: 'NO_ANSWER', message: 'you are offline' } };
  }
  const timed = socket.timeout(timeoutMs) as unknown as {
    emitWithAck(event: C, payload: ScoreboardPayload<C>): Promise<Ack<ScoreboardCommandResults[C]>>;
  };
  try {
    return await timed.emitWithAck(command, payload);
  } catch {
    const message = socket.connected
      ? 'the server did not answer in time'
      : 'the connection dropped before the server answered';
    return { ok: false, error: { code: 'NO_ANSWER', message } };
  }
}

/** The `/lists` socket, typed by the contract's event maps. */
export type ListsSocket = Socket<ListsServerEvents, ListsClientEvents>;

export function createListsSocket(token: string): ListsSocket {
  return io(Namespace.Lists, {
    auth: { token },
    transports: ['websocket', 'polling'],
    autoConnect: false,
  });
}

type ListsPayload<C extends ListsCommand> = Parameters<ListsClientEvents[C]>[0];

/** `sendCommand` for `/lists`: never throws, a missing answer becomes `NO_ANSWER`. */
export async function sendListsCommand<C extends ListsCommand>(
  socket: ListsSocket,
  command: C,
  payload: ListsPayload<C>,
  timeoutMs = commandTimeoutMs,
): Promise<CommandOutcome<ListsCommandResults[C]>> {
  if (!socket.connected) {
    return { ok: false, error: { code: 'NO_ANSWER', message: 'you are offline' } };
  }
  const timed = socket.timeout(timeoutMs) as unknown as {
    emitWithAck(event: C, payload: ListsPayload<C>): Promise<Ack<ListsCommandResults[C]>>;
  };
  try {
    return await timed.emitWithAck(command, payload);
  } catch {
    const message = socket.connected
      ? 'the server did not answer in time'
      : 'the connection dropped before the server answered';
    return { ok: false, error: { code: 'NO_ANSWER', message } };
  }
}
