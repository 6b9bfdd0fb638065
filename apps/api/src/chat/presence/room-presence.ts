import { randomUUID } from 'node:crypto';
import { ErrorCode, presenceSortKey, type PresenceChanged, type PresencePage, type User } from '@tandem/contract';
import { DomainError } from '../../common/domain-error.js';
import type { PresenceSettings } from '../../config.js';
import { LocalTabs } from './local-tabs.js';
import { PresenceCluster, type PeerLink } from './presence-cluster.js';
import { PresenceFeed, decodeCursor, encodeCursor } from './presence-feed.js';
import { PresenceIndex, type Contribution } from './presence-index.js';

/**
 * A chat node's presence: its own tabs (`LocalTabs`), the index of every node's members
 * (`PresenceIndex`), the versioned deltas sent to this node's sockets (`PresenceFeed`) and, when
 * there are several nodes, the exchange with the others (`PresenceCluster`). Each join, leave or
 * status change costs O(log n) here and one delta per room per window, never a scan of the room.
 */
export class RoomPresence {
  readonly node = randomUUID();
  private readonly index: PresenceIndex;
  private readonly tabs: LocalTabs;
  private readonly feed: PresenceFeed;
  private readonly cluster?: PresenceCluster;

  constructor(
    settings: PresenceSettings,
    /** Sends a delta to this node's sockets in the room. */
    send: (delta: PresenceChanged) => void,
    /** The other nodes, when there are any. */
    peers: PeerLink | undefined,
  ) {
    this.index = new PresenceIndex((roomId, position) => this.feed.changed(roomId, position));
    this.feed = new PresenceFeed(this.index, settings, send);
    this.tabs = new LocalTabs(settings.graceMs, (roomId, user, contribution) =>
      this.publish(roomId, user, contribution),
    );
    if (peers) {
      this.cluster = new PresenceCluster(this.node, this.index, peers, settings, (roomId, user) =>
        this.tabs.left(roomId, user),
      );
    }
  }

  /** A socket joined a room: the answer to its join is the first page as last sent. */
  joined(socketId: string, user: User, roomId: string, state: { idle: boolean; activeAt: number }): PresencePage {
    this.tabs.joined(socketId, user, roomId, state);
    this.feed.flushIfDue(roomId);
    return this.feed.firstPage(roomId);
  }

  activity(socketId: string, idle: boolean, activeAt: number): void {
    this.tabs.activity(socketId, idle, activeAt);
  }

  disconnected(socketId: string): void {
    this.tabs.disconnected(socketId);
  }

  /** The user left the room, in every tab on every node. */
  left(roomId: string, user: User): void {
    this.tabs.left(roomId, user);
    this.cluster?.left(roomId, user);
  }

  /** Users online in the room, on every node. */
  online(roomId: string): number {
    return this.index.online(roomId);
  }

  /**
   * Without a cursor, the first page as last sent (with its version: what deltas apply to), cut
   * to `limit`; with one, the next users as they are now.
   */
  page(roomId: string, cursor: string | undefined, limit: number): PresencePage {
    if (cursor === undefined) {
      const first = this.feed.firstPage(roomId);
      if (limit >= first.members.length) return first;
      const members = first.members.slice(0, limit);
      const last = members.at(-1);
      return { ...first, members, nextCursor: last ? encodeCursor(presenceSortKey(last)) : null };
    }
    const afterKey = decodeCursor(cursor);
    if (afterKey === undefined) {
      throw new DomainError(ErrorCode.Validation, 'cursor: not a cursor from an earlier page', {
        issues: [{ path: ['cursor'], message: 'not a cursor from an earlier page' }],
      });
    }
    const { members, lastKey } = this.index.page(roomId, afterKey, limit);
    return {
      roomId,
      version: this.feed.firstPage(roomId).version,
      online: this.index.online(roomId),
      members,
      nextCursor: lastKey === null ? null : encodeCursor(lastKey),
    };
  }

  close(): void {
    this.tabs.clear();
    this.feed.close();
    this.cluster?.close();
  }

  private publish(roomId: string, user: User, contribution: Contribution | null): void {
    this.index.set(roomId, this.node, user, contribution);
    this.cluster?.queue(roomId, user, contribution);
  }
}
