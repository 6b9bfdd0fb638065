import { z } from 'zod';
import type { Ack, AckError } from './ack.js';
import type { User } from './common.js';

/**
 * The plain WebSocket endpoint: the same namespaces, commands, acks and broadcasts as Socket.IO,
 * as JSON text frames over one `ws://…/ws` connection (for `new WebSocket(…)`, `websocat`, and
 * languages without a Socket.IO client). See docs/protocol.md, "Plain WebSocket".
 */
export const PlainRoute = '/ws';

/** Close codes of the plain endpoint, beside the standard ones (1001, 1008, 1009, 1011). */
export const PlainClose = {
  /** No token, a bad one, or one that expired: the close reason is the handshake's reason word. */
  Unauthorized: 4401,
} as const;

/** A command's id: the client's, echoed in its ack. */
export const plainFrameId = z.union([z.int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().min(1).max(100)]);
export type PlainFrameId = z.infer<typeof plainFrameId>;

/** The first frame: what a Socket.IO client sends as its handshake's `auth`. */
export const plainAuthFrame = z.strictObject({ auth: z.record(z.string(), z.unknown()) });

/** A command (with `id`, answered by an ack) or a signal (without). `data` is the event's payload. */
export const plainCommandFrame = z.strictObject({
  id: plainFrameId.optional(),
  ns: z.string().min(1).max(100),
  event: z.string().min(1).max(200),
  data: z.unknown().optional(),
});
export type PlainCommandFrame = z.infer<typeof plainCommandFrame>;

/** Server → client frames. */
export interface PlainReadyFrame {
  type: 'ready';
  user: User;
  /** ISO time after which the token is refused (see `auth:refresh`). */
  expiresAt: string;
}
export interface PlainAckFrame<T = unknown> {
  id: PlainFrameId;
  ack: Ack<T>;
}
export interface PlainEventFrame<T = unknown> {
  ns: string;
  event: string;
  data: T;
}
/** A frame that could not be answered as an ack (no id could be read), or a refusal before closing. */
export interface PlainErrorFrame {
  type: 'error';
  error: AckError;
}
export type PlainServerFrame = PlainReadyFrame | PlainAckFrame | PlainEventFrame | PlainErrorFrame;
