import { presenceSortKey as sortKey, type PresenceMember, type PresenceStatus, type User } from '@tandem/contract';

/** What one node says of one user in one room: their tabs there, taken together. */
export interface Contribution {
  /** Every tab of the user on that node is idle. */
  idle: boolean;
  /** The latest activity of those tabs, in ms since the epoch. */
  activeAt: number;
}

interface Entry {
  user: User;
  key: string;
  nodes: Map<string, Contribution>;
  status: PresenceStatus;
  activeAt: number;
  member?: PresenceMember;
}

/** One room's online users, kept sorted by `sortKey` for paging. */
class Roster {
  readonly byUser = new Map<string, Entry>();
  readonly sorted: Entry[] = [];

  /** Position of the first entry whose key is not below `key`. */
  lowerBound(key: string): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.sorted[middle]?.key ?? key) < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Returns the entry's position. */
  add(entry: Entry): number {
    this.byUser.set(entry.user.id, entry);
    const at = this.lowerBound(entry.key);
    this.sorted.splice(at, 0, entry);
    return at;
  }

  /** Returns where the entry was. */
  remove(entry: Entry): number {
    this.byUser.delete(entry.user.id);
    const at = this.lowerBound(entry.key);
    if (this.sorted[at] === entry) this.sorted.splice(at, 1);
    return at;
  }
}

/** The entry as a page lists it: made once per status or activity change, then shared by every page. */
function toMember(entry: Entry): PresenceMember {
  return (entry.member ??= {
    id: entry.user.id,
    name: entry.user.name,
    status: entry.status,
    lastSeenAt: new Date(entry.activeAt).toISOString(),
  });
}

/**
 * Who is online in each room, over every node: per user, what each node says of their tabs
 * there. A user is listed once whatever their number of tabs and nodes; `away` when every
 * contribution is idle. Each change costs O(log n) plus one array move, never a scan of the room.
 * `onChange` hears of members who appeared, left or changed status (not of mere activity), with
 * the position in the room's order where that happened: a page ahead of it did not change.
 */
export class PresenceIndex {
  private readonly rooms = new Map<string, Roster>();
  /** Per node, the rooms and users it contributes to: what a lost node takes with it. */
  private readonly byNode = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly onChange: (roomId: string, position: number) => void) {}

  /** Records what `node` says of `user` in `roomId`; null: the user has no tab there on that node. */
  set(roomId: string, node: string, user: User, contribution: Contribution | null): void {
    let roster = this.rooms.get(roomId);
    let entry = roster?.byUser.get(user.id);
    if (contribution === null) {
      if (!roster || !entry?.nodes.delete(node)) return;
      this.forgetContribution(node, roomId, user.id);
      if (entry.nodes.size === 0) {
        const at = roster.remove(entry);
        if (roster.byUser.size === 0) this.rooms.delete(roomId);
        this.onChange(roomId, at);
      } else this.recompute(roomId, roster, entry);
      return;
    }
    if (!roster) this.rooms.set(roomId, (roster = new Roster()));
    if (entry && entry.user.name !== user.name) {
      // A new name moves the user in the order.
      const was = roster.remove(entry);
      entry = { ...entry, user, key: sortKey(user), member: undefined };
      this.onChange(roomId, Math.min(was, roster.add(entry)));
    }
    if (!entry) {
      entry = { user, key: sortKey(user), nodes: new Map(), status: 'online', activeAt: 0 };
      entry.nodes.set(node, contribution);
      this.rememberContribution(node, roomId, user.id);
      this.aggregate(entry);
      this.onChange(roomId, roster.add(entry));
      return;
    }
    entry.nodes.set(node, contribution);
    this.rememberContribution(node, roomId, user.id);
    this.recompute(roomId, roster, entry);
  }

  /** Users online in the room. */
  online(roomId: string): number {
    return this.rooms.get(roomId)?.byUser.size ?? 0;
  }

  member(roomId: string, userId: string): PresenceMember | undefined {
    const entry = this.rooms.get(roomId)?.byUser.get(userId);
    return entry && toMember(entry);
  }

  /**
   * Up to `limit` members after the position `afterKey` (from the start without one), and the
   * key of the last one when more follow.
   */
  page(
    roomId: string,
    afterKey: string | undefined,
    limit: number,
  ): { members: PresenceMember[]; lastKey: string | null } {
    const roster = this.rooms.get(roomId);
    if (!roster) return { members: [], lastKey: null };
    const start = afterKey === undefined ? 0 : roster.lowerBound(afterKey + '\u0000');
    const slice = roster.sorted.slice(start, start + limit);
    const more = start + limit < roster.sorted.length;
    return { members: slice.map(toMember), lastKey: more ? (slice.at(-1)?.key ?? null) : null };
  }

  /** Every contribution of `node`, to hand to a node that has just arrived. */
  contributionsOf(node: string): { roomId: string; user: User; contribution: Contribution }[] {
    const result: { roomId: string; user: User; contribution: Contribution }[] = [];
    for (const [roomId, userIds] of this.byNode.get(node) ?? []) {
      const roster = this.rooms.get(roomId);
      for (const userId of userIds) {
        const entry = roster?.byUser.get(userId);
        const contribution = entry?.nodes.get(node);
        if (entry && contribution) result.push({ roomId, user: entry.user, contribution });
      }
    }
    return result;
  }

  /** Forgets everything `node` said (it stopped, or its heartbeats stopped). */
  dropNode(node: string): void {
    const rooms = this.byNode.get(node);
    if (!rooms) return;
    for (const [roomId, userIds] of [...rooms]) {
      const roster = this.rooms.get(roomId);
      for (const userId of [...userIds]) {
        const entry = roster?.byUser.get(userId);
        if (entry) this.set(roomId, node, entry.user, null);
      }
    }
    this.byNode.delete(node);
  }

  private recompute(roomId: string, roster: Roster, entry: Entry): void {
    const before = entry.status;
    this.aggregate(entry);
    if (entry.status !== before) this.onChange(roomId, roster.lowerBound(entry.key));
  }

  private aggregate(entry: Entry): void {
    let idle = true;
    let activeAt = 0;
    for (const contribution of entry.nodes.values()) {
      idle &&= contribution.idle;
      activeAt = Math.max(activeAt, contribution.activeAt);
    }
    entry.status = idle ? 'away' : 'online';
    entry.activeAt = activeAt;
    entry.member = undefined;
  }

  private rememberContribution(node: string, roomId: string, userId: string): void {
    let rooms = this.byNode.get(node);
    if (!rooms) this.byNode.set(node, (rooms = new Map<string, Set<string>>()));
    let users = rooms.get(roomId);
    if (!users) rooms.set(roomId, (users = new Set()));
    users.add(userId);
  }

  private forgetContribution(node: string, roomId: string, userId: string): void {
    const rooms = this.byNode.get(node);
    const users = rooms?.get(roomId);
    if (!rooms || !users) return;
    users.delete(userId);
    if (users.size === 0) rooms.delete(roomId);
  }
}
