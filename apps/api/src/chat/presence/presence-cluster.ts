import type { User } from '@tandem/contract';
import type { Contribution, PresenceIndex } from './presence-index.js';

/** Server-to-server events of the presence exchange (over the Socket.IO adapter's `serverSideEmit`). */
export const PresencePeerEvent = {
  /** A node started (or lost track of the others): every node answers with its `state`. */
  Hello: 'presence:hello',
  /** All of a node's contributions, replacing what the others knew of it. */
  State: 'presence:state',
  /** A batch of a node's changes, in order. */
  Changes: 'presence:changes',
  /** A user left a room on some node: every node drops their tabs there. */
  Left: 'presence:left',
  Heartbeat: 'presence:heartbeat',
  /** A node stops: the others drop its members at once. */
  Bye: 'presence:bye',
} as const;

/** One change: a user's contribution in a room, or null when they have no tab there any more. */
type Change = [roomId: string, user: User, contribution: Contribution | null];

/** How the exchange reaches the other nodes. */
export interface PeerLink {
  emit(event: string, payload: unknown): void;
  on<T>(event: string, listener: (payload: T) => void): void;
}

export interface PresenceClusterOptions {
  heartbeatMs: number;
  /** A node unheard of for this long is gone: its members are dropped. */
  timeoutMs: number;
}

/**
 * Keeps every node's presence index complete: this node's changes go to the others in batches
 * (one `serverSideEmit` per tick, not one per join), theirs come in; heartbeats tell which nodes
 * are alive, and a node silent past the timeout loses its members (it crashed with them).
 */
export class PresenceCluster {
  private outbox: Change[] = [];
  private sendTimer?: ReturnType<typeof setTimeout>;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly lastHeard = new Map<string, number>();

  constructor(
    private readonly node: string,
    private readonly index: PresenceIndex,
    private readonly link: PeerLink,
    private readonly options: PresenceClusterOptions,
    /** Drops a user's tabs in a room on this node (a leave made on another node). */
    private readonly dropLocal: (roomId: string, user: User) => void,
    private readonly now: () => number = Date.now,
  ) {
    link.on(PresencePeerEvent.Hello, ({ node }: { node: string }) => {
      this.heard(node);
      this.link.emit(PresencePeerEvent.State, { node: this.node, changes: this.ownState() });
    });
    link.on(PresencePeerEvent.State, ({ node, changes }: { node: string; changes: Change[] }) => {
      this.lastHeard.set(node, this.now());
      this.index.dropNode(node);
      for (const [roomId, user, contribution] of changes) this.index.set(roomId, node, user, contribution);
    });
    link.on(PresencePeerEvent.Changes, ({ node, changes }: { node: string; changes: Change[] }) => {
      this.heard(node);
      for (const [roomId, user, contribution] of changes) this.index.set(roomId, node, user, contribution);
    });
    link.on(PresencePeerEvent.Left, ({ node, roomId, user }: { node: string; roomId: string; user: User }) => {
      this.heard(node);
      this.dropLocal(roomId, user);
    });
    link.on(PresencePeerEvent.Heartbeat, ({ node }: { node: string }) => this.heard(node));
    link.on(PresencePeerEvent.Bye, ({ node }: { node: string }) => {
      this.lastHeard.delete(node);
      this.index.dropNode(node);
    });
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
    this.link.emit(PresencePeerEvent.Hello, { node });
  }

  /** This node's contribution changed: sent with the others of this tick. */
  queue(roomId: string, user: User, contribution: Contribution | null): void {
    this.outbox.push([roomId, user, contribution]);
    if (this.sendTimer) return;
    this.sendTimer = setTimeout(() => this.sendChanges(), 0);
    this.sendTimer.unref();
  }

  left(roomId: string, user: User): void {
    this.link.emit(PresencePeerEvent.Left, { node: this.node, roomId, user });
  }

  /** Says goodbye (on shutdown), so the others drop this node's members without waiting. */
  close(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.sendTimer);
    this.sendChanges();
    this.link.emit(PresencePeerEvent.Bye, { node: this.node });
  }

  private sendChanges(): void {
    this.sendTimer = undefined;
    if (this.outbox.length === 0) return;
    const changes = this.outbox;
    this.outbox = [];
    this.link.emit(PresencePeerEvent.Changes, { node: this.node, changes });
  }

  private ownState(): Change[] {
    return this.index
      .contributionsOf(this.node)
      .map(({ roomId, user, contribution }): Change => [roomId, user, contribution]);
  }

  /** A node heard of for the first time has missed our state (and we its): ask everyone again. */
  private heard(node: string): void {
    const known = this.lastHeard.has(node);
    this.lastHeard.set(node, this.now());
    if (!known) this.link.emit(PresencePeerEvent.Hello, { node: this.node });
  }

  private beat(): void {
    this.link.emit(PresencePeerEvent.Heartbeat, { node: this.node });
    const now = this.now();
    for (const [node, at] of this.lastHeard) {
      if (now - at < this.options.timeoutMs) continue;
      this.lastHeard.delete(node);
      this.index.dropNode(node);
    }
  }
}
