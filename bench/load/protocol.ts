/**
 * What differs between Tandem and the baseline for the same chat load: identity, how a room is
 * made and joined, the send command and the broadcast it causes. Everything else in a scenario is
 * shared, so both servers get the same clients, payloads and pacing.
 */
import { ChatBroadcast, ChatCommand, HttpRoute, timeOrderedId, type Ack, type SessionCreated } from '@tandem/contract';

export type ServerKind = 'tandem' | 'baseline';

export interface ChatProtocol {
  kind: ServerKind;
  /** The handshake `auth` for a new simulated user. */
  signIn(name: string): Promise<Record<string, string> | undefined>;
  createRoom: { event: string; payload(name: string): unknown; roomId(ack: unknown, name: string): string };
  join: { event: string; payload(roomId: string): unknown };
  send: { event: string; payload(roomId: string, text: string): unknown };
  /** The start of every broadcast frame of a new message: `42/chat,["<event>"`. */
  broadcastFramePrefix: string;
  broadcastEvent: string;
  /** The text of a broadcast's payload, as the receiver decodes it. */
  broadcastText(payload: unknown): string | undefined;
  /** Whether an ack means success, and if not, why. */
  ackError(ack: unknown): string | undefined;
  /** The stored message's id, from a send's ack (Tandem only). */
  messageId(ack: unknown): string | undefined;
}

export async function signIn(url: string, name: string): Promise<SessionCreated> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${url}${HttpRoute.Sessions}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status !== 201) throw new Error(`sign-in answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as SessionCreated;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

function tandemAckError(ack: unknown): string | undefined {
  const value = ack as Ack<unknown> | undefined;
  if (value?.ok === true) return undefined;
  return value?.ok === false ? value.error.code : 'MALFORMED_ACK';
}

export function chatProtocol(kind: ServerKind, url: string): ChatProtocol {
  if (kind === 'tandem') {
    return {
      kind,
      signIn: async (name) => ({ token: (await signIn(url, name)).token }),
      createRoom: {
        event: ChatCommand.RoomCreate,
        payload: (name) => ({ name }),
        roomId: (ack) => (ack as { data: { room: { id: string } } }).data.room.id,
      },
      join: { event: ChatCommand.RoomJoin, payload: (roomId) => ({ roomId }) },
      send: { event: ChatCommand.MessageSend, payload: (roomId, text) => ({ opId: timeOrderedId(), roomId, text }) },
      broadcastFramePrefix: `42/chat,["${ChatBroadcast.MessageCreated}"`,
      broadcastEvent: ChatBroadcast.MessageCreated,
      broadcastText: (payload) => (payload as { message?: { text?: string } })?.message?.text,
      ackError: tandemAckError,
      messageId: (ack) => (ack as { data?: { message?: { id?: string } } })?.data?.message?.id,
    };
  }
  return {
    kind,
    signIn: async () => undefined,
    createRoom: { event: '', payload: () => undefined, roomId: (_ack, name) => name },
    join: { event: 'join', payload: (roomId) => roomId },
    send: { event: 'message', payload: (room, text) => ({ room, text }) },
    broadcastFramePrefix: '42/chat,["message"',
    broadcastEvent: 'message',
    broadcastText: (payload) => (payload as { text?: string })?.text,
    ackError: (ack) => ((ack as { ok?: boolean })?.ok === true ? undefined : 'MALFORMED_ACK'),
    messageId: () => undefined,
  };
}

export { tandemAckError };
