import { presenceSortKey, type PresenceChanged, type PresenceMember, type PresencePage } from '@tandem/contract';
import { encodedOnce } from '../../common/encoded-once.js';
import type { PresenceIndex } from './presence-index.js';

export interface PresenceFeedOptions {
  /** A quiet room's changes go out within this window (the first at once). */
  windowMs: number;
  /** While changes keep coming, the window doubles up to this (a join storm sends few deltas). */
  maxWindowMs: number;
  /** Members of the first page, the one deltas keep up to date. */
  pageSize: number;
  /** A change of the online count alone (the first page as it was) goes out at most this often. */
  countWindowMs: number;
}

interface RoomFeed {
  version: number;
  /** The first page and the online count as last sent: what clients at `version` hold. */
  published: PresenceMember[];
  online: number;
  dirty: boolean;
  /** A change since the last flush was within the first page (else only the count changed). */
  headDirty: boolean;
  timer?: ReturnType<typeof setTimeout>;
  /** When the timer fires. */
  timerAt: number;
  flushedAt: number;
  windowMs: number;
  /** When the last delta went out. */
  sentAt: number;
}

/**
 * Turns a room's presence changes into versioned deltas of its first page, coalesced per room:
 * the first change of a quiet room goes out at once, the following ones at the end of a window
 * that doubles while the room stays busy (a storm of 10,000 joins makes a handful of deltas, not
 * 10,000). A delta is the difference between two first pages, so its size is bounded by the page
 * size whatever the room's; the online count travels with it. In a room bigger than its first
 * page most joins and leaves change only the count: such a delta waits for the count window
 * (say 10 s) since the last one, so a storm's members hear a few deltas whatever its length.
 */
export class PresenceFeed {
  private readonly rooms = new Map<string, RoomFeed>();
  private closed = false;

  constructor(
    private readonly index: PresenceIndex,
    private readonly options: PresenceFeedOptions,
    private readonly send: (delta: PresenceChanged) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The index changed something in `roomId`, at `position` in its order. */
  changed(roomId: string, position: number): void {
    if (this.closed) return;
    const feed = this.feed(roomId);
    feed.dirty = true;
    if (position < this.options.pageSize) feed.headDirty = true;
    // A change waiting for the count window may change the page: the short window applies again.
    this.schedule(roomId, feed, feed.flushedAt + feed.windowMs);
  }

  /**
   * Sends the room's pending changes now if its window allows: a join in a quiet room then lists
   * the newcomer in its own answer; in a busy room the answer shows the page as last sent.
   */
  flushIfDue(roomId: string): void {
    const feed = this.rooms.get(roomId);
    if (feed?.dirty && this.now() >= feed.flushedAt + feed.windowMs) this.flush(roomId);
  }

  /** The first page as last sent, with its version: what the next delta applies to. */
  firstPage(roomId: string): PresencePage {
    const feed = this.rooms.get(roomId);
    if (!feed) return { roomId, version: 0, online: 0, members: [], nextCursor: null };
    const last = feed.published.at(-1);
    const more = feed.online > feed.published.length && last !== undefined;
    return {
      roomId,
      version: feed.version,
      online: feed.online,
      members: feed.published,
      nextCursor: more ? encodeCursor(presenceSortKey(last)) : null,
    };
  }

  close(): void {
    this.closed = true;
    for (const feed of this.rooms.values()) clearTimeout(feed.timer);
  }

  private feed(roomId: string): RoomFeed {
    let feed = this.rooms.get(roomId);
    if (!feed) {
      feed = {
        version: 0,
        published: [],
        online: 0,
        dirty: false,
        headDirty: false,
        timerAt: Infinity,
        flushedAt: -Infinity,
        windowMs: this.options.windowMs,
        sentAt: -Infinity,
      };
      this.rooms.set(roomId, feed);
    }
    return feed;
  }

  /** Makes sure the room's changes are flushed by `at`. */
  private schedule(roomId: string, feed: RoomFeed, at: number): void {
    if (feed.timer && feed.timerAt <= at) return;
    clearTimeout(feed.timer);
    feed.timerAt = at;
    feed.timer = setTimeout(() => this.flush(roomId), Math.max(0, at - this.now()));
    feed.timer.unref();
  }

  private flush(roomId: string): void {
    const feed = this.rooms.get(roomId);
    if (!feed) return;
    clearTimeout(feed.timer);
    feed.timer = undefined;
    feed.timerAt = Infinity;
    if (!feed.dirty || this.closed) return;
    const now = this.now();
    const online = this.index.online(roomId);
    // Changes behind the first page change only the count: the page as published still holds.
    const { head, changed, removed } = feed.headDirty
      ? this.headChanges(roomId, feed.published)
      : { head: feed.published, changed: [], removed: [] };
    feed.headDirty = false;
    const countOnly = changed.length === 0 && removed.length === 0;
    if (countOnly && online !== feed.online && online > 0 && now < feed.sentAt + this.options.countWindowMs) {
      this.schedule(roomId, feed, feed.sentAt + this.options.countWindowMs);
      return;
    }
    feed.dirty = false;
    // Busy: the previous delta went out within two windows; quiet again: back to the short window.
    const busy = now - feed.flushedAt < feed.windowMs * 2;
    feed.windowMs = busy ? Math.min(feed.windowMs * 2, this.options.maxWindowMs) : this.options.windowMs;
    feed.flushedAt = now;
    if (countOnly && online === feed.online) return;
    feed.version += 1;
    // Every join until the next delta is answered with it: its JSON is made once.
    feed.published = encodedOnce(head);
    feed.online = online;
    feed.sentAt = now;
    this.send({ roomId, version: feed.version, online, members: changed, removed });
    // Nobody is left to hold a version: the room's feed starts anew with its next member.
    if (online === 0) this.rooms.delete(roomId);
  }

  /** The first page now, and how it differs from the one published. */
  private headChanges(roomId: string, published: PresenceMember[]) {
    const { members: head } = this.index.page(roomId, undefined, this.options.pageSize);
    const before = new Map(published.map((member) => [member.id, member]));
    const changed = head.filter((member) => before.get(member.id)?.status !== member.status);
    const inHead = new Set(head.map((member) => member.id));
    const removed = published.filter((member) => !inHead.has(member.id)).map((member) => member.id);
    return { head, changed, removed };
  }
}

/** A cursor is the position after a member: their sort key, in URL-safe base64. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/** The sort key in a cursor, or undefined when it is not one the server made. */
export function decodeCursor(cursor: string): string | undefined {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  const [folded, name, id, ...rest] = key.split('\u0000');
  const wellFormed = name !== undefined && id !== undefined && rest.length === 0;
  return wellFormed && folded === name.toLowerCase() && id.length > 0 ? key : undefined;
}
