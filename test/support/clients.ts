import {
  HttpRoute,
  Namespace,
  type Ack,
  type ChatClientEvents,
  type ChatServerEvents,
  type ListsClientEvents,
  type ListsServerEvents,
  type ScoreboardClientEvents,
  type ScoreboardServerEvents,
  type SessionCreated,
} from '@tandem/contract';
import { io, type Socket } from 'socket.io-client';

export type ChatClient = Socket<ChatServerEvents, ChatClientEvents>;
export type ListsClient = Socket<ListsServerEvents, ListsClientEvents>;
export type ScoreboardClient = Socket<ScoreboardServerEvents, ScoreboardClientEvents>;

const waitLimitMs = 5_000;

export async function signIn(url: string, name: string): Promise<SessionCreated> {
  const response = await fetch(`${url}${HttpRoute.Sessions}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (response.status !== 201) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as SessionCreated;
}

/** Every socket made here, so that teardown can close what a failed test left open. */
const openSockets = new Set<Socket>();

export function closeAllClients(): void {
  for (const socket of openSockets) socket.disconnect();
  openSockets.clear();
}

export function socketFor<S extends Socket = Socket>(url: string, namespace: string, token?: string): S {
  const socket = io(`${url}${namespace}`, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  openSockets.add(socket);
  return socket as S;
}

/** Connects and resolves once connected; rejects with the `connect_error`. */
export function connect<S extends Socket>(socket: S): Promise<S> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connect timed out')), waitLimitMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export async function chatClient(url: string, name: string): Promise<{ socket: ChatClient; session: SessionCreated }> {
  const session = await signIn(url, name);
  const socket = await connect(socketFor<ChatClient>(url, Namespace.Chat, session.token));
  return { socket, session };
}

export async function listsClient(
  url: string,
  name: string,
): Promise<{ socket: ListsClient; session: SessionCreated }> {
  const session = await signIn(url, name);
  const socket = await connect(socketFor<ListsClient>(url, Namespace.Lists, session.token));
  return { socket, session };
}

export async function scoreboardClient(
  url: string,
  name: string,
): Promise<{ socket: ScoreboardClient; session: SessionCreated }> {
  const session = await signIn(url, name);
  const socket = await connect(socketFor<ScoreboardClient>(url, Namespace.Scoreboard, session.token));
  return { socket, session };
}

/** Emits a command and waits for its ack (untyped on purpose: tests also send bad payloads). */
export function command<T = unknown>(socket: Socket, event: string, payload: unknown): Promise<Ack<T>> {
  return socket.timeout(waitLimitMs).emitWithAck(event, payload) as Promise<Ack<T>>;
}

/** Like `command`, but fails the test unless the ack is ok, and returns its data. */
export async function commandOk<T = unknown>(socket: Socket, event: string, payload: unknown): Promise<T> {
  const ack = await command<T>(socket, event, payload);
  if (!ack.ok)
    throw new Error(
      `${event} failed: ${ack.error.code} ${ack.error.message} ${JSON.stringify(ack.error.details ?? '')}`,
    );
  return ack.data;
}

/** Records every payload of one event a socket receives, from now on. */
export function record<T = unknown>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

/** The next payload of `event` that matches, or a rejection after the wait limit. */
export function nextEvent<T = unknown>(
  socket: Socket,
  event: string,
  matches: (payload: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (payload: T) => {
      if (!matches(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${waitLimitMs} ms`));
    }, waitLimitMs);
    socket.on(event, listener);
  });
}

/** Waits until `condition` holds, polling; fails after the wait limit. */
export async function eventually(condition: () => boolean, what: string, limitMs = waitLimitMs): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Lets in-flight frames arrive: used before asserting that something was NOT received. */
export function settle(ms = 150): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
