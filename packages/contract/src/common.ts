import { z } from 'zod';

/** Size limits of the wire contract. */
export const Limits = {
  nameLength: 100,
  messageText: 4_000,
  itemText: 1_000,
  emojiLength: 16,
  historyPageMax: 100,
  historyPageDefault: 50,
  /** Messages a room snapshot carries. */
  snapshotMessages: 50,
  /** A resync gap up to this many changes is served as changes, beyond it as a snapshot. */
  resyncMaxChanges: 1_000,
  inviteCodeLength: 64,
  /** Digits of a join PIN (a board's); it never starts with 0. */
  pinLength: 6,
  /** Join-by-PIN attempts a user may make at once, then one every `pinAttemptIntervalMs`: guessing stays slow. */
  pinAttemptBurst: 10,
  pinAttemptIntervalMs: 6_000,
  /** Read markers a join carries: the furthest ones ("seen by" needs no more). */
  readMarkers: 100,
} as const;

export const id = z.uuid({ error: 'must be a UUID, 36 characters such as 123e4567-e89b-42d3-a456-426614174000' });
export const opId = z.uuid({ error: 'opId must be a UUID made by the client' });
export const seq = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
export const displayName = z.string().trim().min(1, 'must not be empty').max(Limits.nameLength);
export const visibility = z.enum(['public', 'private']);
export type Visibility = z.infer<typeof visibility>;
export const inviteCode = z.string().min(1).max(Limits.inviteCodeLength);
export const pin = z.string().regex(/^[1-9][0-9]{5}$/, { error: 'must be 6 digits, the first not 0' });

export const userSchema = z.strictObject({ id, name: displayName });
export type User = z.infer<typeof userSchema>;

/** Names of the Socket.IO namespaces. */
export const Namespace = {
  Chat: '/chat',
  Scoreboard: '/scoreboard',
  Lists: '/lists',
} as const;
export type Namespace = (typeof Namespace)[keyof typeof Namespace];

/** One entry of a resync: a broadcast that the client missed, with its `seq`. */
export interface Change<E extends string = string, D = unknown> {
  seq: number;
  event: E;
  data: D;
}

/** Every logged change of a namespace, from its map of broadcast name → payload. */
export type ChangeOf<Events> = {
  [E in keyof Events & string]: Change<E, Events[E]>;
}[keyof Events & string];
