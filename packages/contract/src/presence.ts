import { z } from 'zod';
import { id, type User } from './common.js';

/**
 * Who is in a chat room, and who is typing there: ephemeral, never persisted, and bounded in size
 * whatever the room's (a room of 10,000 does not send 10,000 names on every change).
 */
export const PresenceLimits = {
  /** Online users a page carries when the request names no limit (the `room:join` ack's page too). */
  pageDefault: 100,
  pageMax: 200,
  /** Names (and stopped ids) a `typing` event carries at most; `count` says how many type. */
  typingNames: 5,
  /** Cursors are opaque strings of at most this length. */
  cursorLength: 600,
} as const;

export const presenceStatuses = ['online', 'away'] as const;
/** `away`: connected, but no command or `activity` from any of the user's tabs for a while. */
export type PresenceStatus = (typeof presenceStatuses)[number];

/** One online user of a room, whatever their number of tabs. Members not listed are offline. */
export interface PresenceMember extends User {
  status: PresenceStatus;
  /** The last activity (a command or an `activity` signal) of any of the user's tabs. */
  lastSeenAt: string;
}

/**
 * The order of a room's member list: by name without regard to case, then by exact name, then by
 * id, compared as plain strings (cheap, and the same on server and client). Cursors are made of it.
 */
export function presenceSortKey(user: User): string {
  return `${user.name.toLowerCase()}\u0000${user.name}\u0000${user.id}`;
}

/** Sorts members in `presenceSortKey` order. */
export function byPresenceOrder(a: User, b: User): number {
  const left = presenceSortKey(a);
  const right = presenceSortKey(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * A page of a room's online users, sorted by name (case-insensitive), then id. The first page
 * (the `room:join` ack's, or `room:members` without a cursor) is the one `presence` deltas keep
 * up to date, at `version`; later pages are read live.
 */
export interface PresencePage {
  roomId: string;
  /** The presence version of the first page; a delta carries the next one. */
  version: number;
  /** Users online in the room (on every node), whatever their number of tabs. */
  online: number;
  members: PresenceMember[];
  /** Pass it to `room:members` for the next page; null when nothing follows. */
  nextCursor: string | null;
}

/**
 * `presence`: what changed in the room's first page since `version - 1` (coalesced over a short
 * window), and the online count. A client at another version than `version - 1` re-fetches the
 * first page (`room:members` without a cursor). Versions are per connection: a rejoin starts anew.
 */
export interface PresenceChanged {
  roomId: string;
  version: number;
  online: number;
  /** Users that entered the first page or changed status: replace or add them. */
  members: PresenceMember[];
  /** Ids of users no longer in the first page (gone offline, or pushed past it). */
  removed: string[];
}

/**
 * `typing`: one room's typing signals of a short window, coalesced: `users` (at most
 * `PresenceLimits.typingNames`) started or went on typing, `count` of them in all; `stopped` (at
 * most as many ids) stopped. A typist not refreshed within a few seconds has stopped.
 */
export interface TypingChanged {
  roomId: string;
  users: User[];
  count: number;
  stopped: string[];
}

/** A room's first page as a client holds it, at a presence version. */
export interface PresenceHeld {
  members: PresenceMember[];
  online: number;
  presenceVersion: number;
}

/**
 * Applies a `presence` delta to what a client holds (in place). An old one changes nothing; one
 * that skips a version answers `gap`: the first page must be fetched again (`room:members`).
 */
export function applyPresence(held: PresenceHeld, delta: PresenceChanged): 'applied' | 'gap' {
  if (delta.version <= held.presenceVersion) return 'applied';
  if (delta.version !== held.presenceVersion + 1) return 'gap';
  const gone = new Set([...delta.removed, ...delta.members.map((member) => member.id)]);
  held.members = held.members
    .filter((member) => !gone.has(member.id))
    .concat(delta.members)
    .sort(byPresenceOrder);
  held.online = delta.online;
  held.presenceVersion = delta.version;
  return 'applied';
}

/** Opaque cursor text: URL-safe base64. */
const cursor = z
  .string()
  .min(1)
  .max(PresenceLimits.cursorLength)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor from an earlier page');

export const roomMembersSchema = z.strictObject({
  roomId: id,
  /** From the previous page's `nextCursor`; none for the first page. */
  cursor: cursor.optional(),
  limit: z.int().min(1).max(PresenceLimits.pageMax).default(PresenceLimits.pageDefault),
});
