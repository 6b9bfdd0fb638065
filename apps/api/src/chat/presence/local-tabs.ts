import type { User } from '@tandem/contract';
import type { Contribution } from './presence-index.js';

interface Tab {
  user: User;
  idle: boolean;
  activeAt: number;
  rooms: Set<string>;
}

/** What this node tells the presence index: the user's tabs here, taken together, or null for none. */
export type Publish = (roomId: string, user: User, contribution: Contribution | null) => void;

/**
 * This node's tabs (sockets) in each chat room, and what they add up to per user. A user whose
 * last tab here disconnected stays for a grace period, so that a reload is no "offline" flicker;
 * a rejoin or an explicit leave ends it early. Every change is told to `publish`, which the index
 * deduplicates (several tabs of one user idling make one status change).
 */
export class LocalTabs {
  private readonly tabs = new Map<string, Tab>();
  /** Per room, per user, the ids of their sockets here. */
  private readonly rooms = new Map<string, Map<string, Set<string>>>();
  private readonly graceTimers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly graceMs: number,
    private readonly publish: Publish,
  ) {}

  /** A socket that entered a room (after its join succeeded). */
  joined(socketId: string, user: User, roomId: string, state: { idle: boolean; activeAt: number }): void {
    let tab = this.tabs.get(socketId);
    if (!tab) this.tabs.set(socketId, (tab = { user, ...state, rooms: new Set() }));
    tab.rooms.add(roomId);
    let users = this.rooms.get(roomId);
    if (!users) this.rooms.set(roomId, (users = new Map<string, Set<string>>()));
    let sockets = users.get(user.id);
    if (!sockets) users.set(user.id, (sockets = new Set()));
    sockets.add(socketId);
    this.endGrace(roomId, user.id);
    this.tell(roomId, user);
  }

  /** A socket became idle or active again. */
  activity(socketId: string, idle: boolean, activeAt: number): void {
    const tab = this.tabs.get(socketId);
    if (!tab) return;
    tab.idle = idle;
    tab.activeAt = activeAt;
    for (const roomId of tab.rooms) this.tell(roomId, tab.user);
  }

  /** A socket disconnected: users with no other tab here are held for the grace period. */
  disconnected(socketId: string): void {
    const tab = this.tabs.get(socketId);
    if (!tab) return;
    this.tabs.delete(socketId);
    for (const roomId of tab.rooms) {
      const last = this.dropSocket(roomId, tab.user.id, socketId);
      if (!last) continue;
      if (this.graceMs <= 0) {
        this.publish(roomId, tab.user, null);
        continue;
      }
      // The user's contribution stays as it was until the grace ends.
      const key = graceKey(roomId, tab.user.id);
      const timer = setTimeout(() => {
        this.graceTimers.delete(key);
        this.publish(roomId, tab.user, null);
      }, this.graceMs);
      timer.unref();
      this.graceTimers.set(key, timer);
    }
  }

  /** The user left the room: every tab of theirs here stops counting at once, with no grace. */
  left(roomId: string, user: User): void {
    this.endGrace(roomId, user.id);
    const sockets = this.rooms.get(roomId)?.get(user.id);
    for (const socketId of sockets ?? []) {
      this.tabs.get(socketId)?.rooms.delete(roomId);
      this.dropSocket(roomId, user.id, socketId);
    }
    this.publish(roomId, user, null);
  }

  /** Whether the user is held in `roomId` for their grace period. */
  inGrace(roomId: string, userId: string): boolean {
    return this.graceTimers.has(graceKey(roomId, userId));
  }

  /** Drops every grace timer (on shutdown). */
  clear(): void {
    for (const timer of this.graceTimers.values()) clearTimeout(timer);
    this.graceTimers.clear();
  }

  private tell(roomId: string, user: User): void {
    const sockets = this.rooms.get(roomId)?.get(user.id);
    if (!sockets || sockets.size === 0) return;
    let idle = true;
    let activeAt = 0;
    for (const socketId of sockets) {
      const tab = this.tabs.get(socketId);
      if (!tab) continue;
      idle &&= tab.idle;
      activeAt = Math.max(activeAt, tab.activeAt);
    }
    this.publish(roomId, user, { idle, activeAt });
  }

  /** Whether it was the user's last socket in the room here. */
  private dropSocket(roomId: string, userId: string, socketId: string): boolean {
    const users = this.rooms.get(roomId);
    const sockets = users?.get(userId);
    if (!users || !sockets?.delete(socketId)) return false;
    if (sockets.size > 0) {
      const [other] = sockets;
      const user = other === undefined ? undefined : this.tabs.get(other)?.user;
      if (user) this.tell(roomId, user);
      return false;
    }
    users.delete(userId);
    if (users.size === 0) this.rooms.delete(roomId);
    return true;
  }

  private endGrace(roomId: string, userId: string): void {
    const key = graceKey(roomId, userId);
    clearTimeout(this.graceTimers.get(key));
    this.graceTimers.delete(key);
  }
}

function graceKey(roomId: string, userId: string): string {
  return `${roomId}\u0000${userId}`;
}
