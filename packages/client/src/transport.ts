import {
  type Ack,
  type AuthCommand,
  type AuthRefreshed,
  type ChatClientEvents,
  type ChatCommandResults,
  type ChatServerEvents,
  type ListsClientEvents,
  type ListsCommandResults,
  type ListsServerEvents,
  type Namespace,
  type ScoreboardClientEvents,
  type ScoreboardCommandResults,
  type ScoreboardServerEvents,
  type SessionClientEvents,
  type SessionServerEvents,
} from '@tandem/contract';
import { Manager, type Socket } from 'socket.io-client';

/**
 * One namespace's side of the contract. The server attaches the session events to every
 * namespace, so they are added here to all three (a map that has them already is unchanged).
 */
interface Wire<ServerEvents, ClientEvents, Results> {
  server: ServerEvents & SessionServerEvents;
  client: ClientEvents & SessionClientEvents;
  results: Results & { [AuthCommand.Refresh]: AuthRefreshed };
}

interface Wires {
  [Namespace.Chat]: Wire<ChatServerEvents, ChatClientEvents, ChatCommandResults>;
  [Namespace.Scoreboard]: Wire<ScoreboardServerEvents, ScoreboardClientEvents, ScoreboardCommandResults>;
  [Namespace.Lists]: Wire<ListsServerEvents, ListsClientEvents, ListsCommandResults>;
}

/** A namespace's socket, typed by the contract's event maps. */
export type NamespaceSocket<N extends Namespace> = Socket<Wires[N]['server'], Wires[N]['client']>;
/** The events every namespace shares: enough to watch a socket's connection and session. */
export type AnySocket = Socket<SessionServerEvents, SessionClientEvents>;

/** The commands of a namespace: client events answered with an ack. */
export type Command<N extends Namespace> = keyof Wires[N]['results'] & keyof Wires[N]['client'] & string;
export type CommandPayload<N extends Namespace, C extends Command<N>> = Wires[N]['client'][C] extends (
  payload: infer P,
  ...rest: never[]
) => void
  ? P
  : never;
export type CommandResult<N extends Namespace, C extends Command<N>> = Wires[N]['results'][C];

/** Codes the client gives itself, never sent by the server: not among the contract's `ErrorCode`s. */
export const ClientErrorCode = {
  NoAnswer: 'NO_ANSWER',
} as const;

/** A command that got no answer at all (timeout, or the connection dropped on the way). */
export interface NoAnswer {
  ok: false;
  error: { code: typeof ClientErrorCode.NoAnswer; message: string; details?: undefined };
}
export type CommandOutcome<T> = Ack<T> | NoAnswer;
export type CommandError = Extract<CommandOutcome<unknown>, { ok: false }>['error'];

export const commandTimeoutMs = 10_000;

/**
 * Emits one event and waits for its ack. Never throws: a missing answer becomes `NO_ANSWER`,
 * which callers tell apart from the server's own refusals.
 */
export async function emitWithAck<T>(
  socket: AnySocket,
  event: string,
  payload: unknown,
  timeoutMs = commandTimeoutMs,
): Promise<CommandOutcome<T>> {
  // Socket.IO would buffer the command until a reconnection; the caller decides instead.
  if (!socket.connected) {
    return { ok: false, error: { code: ClientErrorCode.NoAnswer, message: 'you are offline' } };
  }
  // Socket.IO's mapped event types cannot follow a generic command name; the typed `send` of
  // `openSocket` ties each command to its payload and result instead.
  const timed = socket.timeout(timeoutMs) as unknown as {
    emitWithAck(event: string, payload: unknown): Promise<Ack<T>>;
  };
  try {
    return await timed.emitWithAck(event, payload);
  } catch {
    const message = socket.connected
      ? 'the server did not answer in time'
      : 'the connection dropped before the server answered';
    return { ok: false, error: { code: ClientErrorCode.NoAnswer, message } };
  }
}

export interface SocketChannel<N extends Namespace> {
  readonly socket: NamespaceSocket<N>;
  /** Sends one command and waits for its ack; never throws (see `emitWithAck`). */
  send<C extends Command<N>>(
    command: C,
    payload: CommandPayload<N, C>,
    timeoutMs?: number,
  ): Promise<CommandOutcome<CommandResult<N, C>>>;
}

/**
 * The engine (one WebSocket) that the three namespaces of one client share. `baseUrl` is empty in
 * a page served by the server itself (same origin). Each client has its own: two clients in one
 * process (two bots, say) never share a socket.
 */
export function openEngine(baseUrl: string): Manager {
  return new Manager(baseUrl || undefined, { transports: ['websocket', 'polling'], autoConnect: false });
}

/** The socket of one namespace on `engine`, not connected until `connect()` is called, and its typed `send`. */
export function openSocket<N extends Namespace>(
  engine: Manager,
  namespace: N,
  token: () => string | null,
): SocketChannel<N> {
  const socket: NamespaceSocket<N> = engine.socket(namespace, {
    // Read at every (re)connection, so a reconnect presents the latest refreshed token.
    auth: (callback) => callback({ token: token() ?? '' }),
  });
  return {
    socket,
    send: (command, payload, timeoutMs) => emitWithAck(socket as unknown as AnySocket, command, payload, timeoutMs),
  };
}
