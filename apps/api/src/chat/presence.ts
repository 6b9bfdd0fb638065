import type { PresenceMember, User } from '@tandem/contract';

/** What presence needs to know about one socket of a room (or about a user in their grace period). */
export interface PresenceSource {
  user: User;
  /** No command or `activity` from this socket for the away delay. */
  idle: boolean;
  /** When it was last active, in ms since the epoch. */
  activeAt: number;
}

/**
 * One entry per user, whatever their number of tabs: `online` if any of their sockets is active,
 * `away` if all are idle; `lastSeenAt` is their latest activity. Sorted by name, then id.
 */
export function presenceMembers(sources: Iterable<PresenceSource>): PresenceMember[] {
  const byUser = new Map<string, { user: User; idle: boolean; activeAt: number }>();
  for (const source of sources) {
    const known = byUser.get(source.user.id);
    if (!known) byUser.set(source.user.id, { user: source.user, idle: source.idle, activeAt: source.activeAt });
    else {
      known.idle &&= source.idle;
      known.activeAt = Math.max(known.activeAt, source.activeAt);
    }
  }
  return [...byUser.values()]
    .map(({ user, idle, activeAt }) => ({
      id: user.id,
      name: user.name,
      status: idle ? ('away' as const) : ('online' as const),
      lastSeenAt: new Date(activeAt).toISOString(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/**
 * Users whose socket left a room by disconnecting (a reload, a network blip) stay in the room's
 * presence for a grace period, so that a tab that comes straight back causes no "offline"
 * flicker. When the grace ends, `onExpire` runs (to publish the room's presence again); a rejoin
 * or an explicit leave releases the user earlier. Per process: another node does not see them.
 */
export class PresenceGrace {
  private readonly held = new Map<
    string,
    Map<string, { source: PresenceSource; timer: ReturnType<typeof setTimeout> }>
  >();

  constructor(private readonly graceMs: number) {}

  /** Keeps `source.user` in `roomId`'s presence for the grace period; false when there is none. */
  hold(roomId: string, source: PresenceSource, onExpire: () => void): boolean {
    if (this.graceMs <= 0) return false;
    this.release(roomId, source.user.id);
    const timer = setTimeout(() => {
      this.release(roomId, source.user.id);
      onExpire();
    }, this.graceMs);
    timer.unref();
    let room = this.held.get(roomId);
    if (!room) this.held.set(roomId, (room = new Map<string, { source: PresenceSource; timer: NodeJS.Timeout }>()));
    room.set(source.user.id, { source, timer });
    return true;
  }

  release(roomId: string, userId: string): void {
    const room = this.held.get(roomId);
    const entry = room?.get(userId);
    if (!room || !entry) return;
    clearTimeout(entry.timer);
    room.delete(userId);
    if (room.size === 0) this.held.delete(roomId);
  }

  /** The users of `roomId` in their grace period. */
  lingering(roomId: string): PresenceSource[] {
    return [...(this.held.get(roomId)?.values() ?? [])].map((entry) => entry.source);
  }

  /** Drops every hold and its timer (on shutdown). */
  clear(): void {
    for (const room of this.held.values()) for (const entry of room.values()) clearTimeout(entry.timer);
    this.held.clear();
  }
}
