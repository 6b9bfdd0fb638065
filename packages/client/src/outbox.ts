import type { Namespace } from '@tandem/contract';
import type { OutboxEntry } from './outbox-entry.js';
import { retryPlan } from './retry.js';
import type { KeptState, OutboxStorage, StoredEntry } from './storage/storage.js';
import { Store } from './store.js';
import type { CommandError, CommandOutcome } from './transport.js';

/** How one namespace's feature sends its entries and takes their answers. */
export interface OutboxHandler {
  /** Connected, with the network there. */
  canSend(): boolean;
  /** False while the feature cannot take answers in order (a join in flight, say). */
  ready?(): boolean;
  send(entry: OutboxEntry): Promise<CommandOutcome<unknown>>;
  /** The server applied it (the entry is already out of the queue). */
  acknowledged(entry: OutboxEntry, data: unknown): void;
  /** The server refused it for good: `drop` rolls it back, `keep` keeps it as failed (to retry or discard). */
  refused(entry: OutboxEntry, error: CommandError): 'drop' | 'keep';
}

/** The view as last seen is written at most this often (views change with every broadcast). */
const lastSeenEveryMs = 1_000;

/**
 * ONE queue of unacknowledged commands for all of a user's namespaces, kept in an
 * `OutboxStorage` after every change and sent again, in order and with the same `opId`, on every
 * reconnection of its namespace, whichever view is shown. Each namespace is sent one entry at a
 * time: one that must wait (offline, rate-limited) holds back those after it, so nothing
 * overtakes what was made before it.
 */
export class Outbox {
  readonly entries = new Store<readonly OutboxEntry[]>([]);
  private readonly handlers = new Map<Namespace, OutboxHandler>();
  private readonly pumping = new Set<Namespace>();
  private readonly attempts = new Map<string, number>();
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>();
  /** What is stored of each entry, as JSON, to write only what changed. */
  private readonly stored = new Map<string, { order: number; json: string; namespace: Namespace }>();
  private lastOrder = 0;
  private writes: Promise<void> = Promise.resolve();
  private readonly lastSeenDue = new Map<Namespace, unknown>();
  private lastSeenTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly userId: string,
    private readonly storage: OutboxStorage,
  ) {}

  /** Reads what an earlier run kept: its entries join the queue, before any made since. */
  async restore(): Promise<KeptState> {
    const kept = await this.storage.load(this.userId).catch(() => ({ entries: [], lastSeen: {} }));
    const made = new Set(this.entries.get().map((entry) => entry.opId));
    const restored = kept.entries
      .filter((entry) => !made.has(entry.opId))
      .map((entry) => (entry.status === 'sending' ? { ...entry, status: 'queued' as const } : entry));
    for (const entry of restored) {
      this.stored.set(entry.opId, { order: this.nextOrder(), json: JSON.stringify(entry), namespace: entry.namespace });
    }
    this.entries.set([...restored, ...this.entries.get()]);
    this.persist();
    return kept;
  }

  handle(namespace: Namespace, handler: OutboxHandler): void {
    this.handlers.set(namespace, handler);
  }

  of(namespace: Namespace): OutboxEntry[] {
    return this.entries.get().filter((entry) => entry.namespace === namespace);
  }

  /** Queues a new command and sends it at once when it can. */
  add<A>(namespace: Namespace, name: string, args: A, opId: string): OutboxEntry<A> {
    const entry: OutboxEntry<A> = {
      opId,
      namespace,
      name,
      args,
      status: 'queued',
      error: null,
      createdAt: new Date().toISOString(),
    };
    this.entries.set([...this.entries.get(), entry]);
    this.persist();
    this.flush(namespace);
    return entry;
  }

  /** Changes a queued entry's arguments (a later change rebased on an earlier one's result). */
  update(opId: string, change: (entry: OutboxEntry) => OutboxEntry): void {
    this.entries.set(this.entries.get().map((entry) => (entry.opId === opId ? change(entry) : entry)));
    this.persist();
  }

  remove(match: (entry: OutboxEntry) => boolean): void {
    const entries = this.entries.get();
    const left = entries.filter((entry) => !match(entry));
    if (left.length === entries.length) return;
    this.entries.set(left);
    this.persist();
  }

  /** A failed entry is tried again. */
  retry(opId: string): void {
    const entry = this.entries.get().find((held) => held.opId === opId);
    if (!entry || entry.status !== 'failed') return;
    this.attempts.delete(opId);
    this.update(opId, (held) => ({ ...held, status: 'queued', error: null }));
    this.flush(entry.namespace);
  }

  /** Sends the namespace's queued entries, one at a time, in order, while it can. */
  flush(namespace: Namespace): void {
    void this.pump(namespace);
  }

  /** Keeps the namespace's view as it is now (null: nothing to show), at most every second. */
  keepLastSeen(namespace: Namespace, state: unknown): void {
    this.lastSeenDue.set(namespace, state);
    this.lastSeenTimer ??= setTimeout(() => this.writeLastSeen(), lastSeenEveryMs);
  }

  /** Resolves once everything asked for so far is written. */
  async settled(): Promise<void> {
    this.writeLastSeen();
    await this.writes;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.writeLastSeen();
  }

  private async pump(namespace: Namespace): Promise<void> {
    const handler = this.handlers.get(namespace);
    if (!handler || this.pumping.has(namespace)) return;
    this.pumping.add(namespace);
    try {
      for (;;) {
        const next = this.of(namespace).find((entry) => entry.status !== 'failed');
        if (!next || next.status !== 'queued' || this.stopped) return;
        if (!handler.canSend() || (handler.ready && !handler.ready())) return;
        this.setStatus(next.opId, 'sending');
        const outcome = await handler.send(next);
        if (!this.settle(handler, next, outcome)) return;
      }
    } finally {
      this.pumping.delete(namespace);
    }
  }

  /** Applies an answer; returns whether the namespace's queue may go on. */
  private settle(handler: OutboxHandler, sent: OutboxEntry, outcome: CommandOutcome<unknown>): boolean {
    const entry = this.entries.get().find((held) => held.opId === sent.opId);
    // Dropped while on the wire (its room was left, say): nothing is left to settle.
    if (!entry) return true;
    if (outcome.ok) {
      this.attempts.delete(entry.opId);
      this.remove((held) => held.opId === entry.opId);
      handler.acknowledged(entry, outcome.data);
      return true;
    }
    const attempt = this.attempts.get(entry.opId) ?? 0;
    const plan = retryPlan(outcome.error, handler.canSend(), attempt);
    if (plan !== null) {
      this.setStatus(entry.opId, 'queued');
      if (plan !== 'reconnect') {
        this.attempts.set(entry.opId, attempt + 1);
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          this.flush(entry.namespace);
        }, plan);
        this.retryTimers.add(timer);
      }
      return false;
    }
    this.attempts.delete(entry.opId);
    if (handler.refused(entry, outcome.error) === 'drop') this.remove((held) => held.opId === entry.opId);
    else this.update(entry.opId, (held) => ({ ...held, status: 'failed', error: outcome.error.message }));
    return true;
  }

  private setStatus(opId: string, status: OutboxEntry['status']): void {
    this.update(opId, (entry) => ({ ...entry, status }));
  }

  // ---- storage ------------------------------------------------------------------------------

  /** Writes what changed since the last write: new entries after the others, gone ones deleted. */
  private persist(): void {
    const put: StoredEntry[] = [];
    const present = new Set<string>();
    for (const entry of this.entries.get()) {
      present.add(entry.opId);
      // On the wire is kept as queued: after a reload it is sent again.
      const kept = entry.status === 'sending' ? { ...entry, status: 'queued' as const } : entry;
      const json = JSON.stringify(kept);
      const known = this.stored.get(entry.opId);
      if (known?.json === json) continue;
      const order = known?.order ?? this.nextOrder();
      this.stored.set(entry.opId, { order, json, namespace: entry.namespace });
      put.push({ order, entry: kept });
    }
    const deleted = [...this.stored].filter(([opId]) => !present.has(opId));
    for (const [opId] of deleted) this.stored.delete(opId);
    if (put.length === 0 && deleted.length === 0) return;
    // The view first: a command is never kept without the view it applies to.
    this.writeLastSeen();
    const gone = deleted.map(([opId, { namespace }]) => ({ opId, namespace }));
    this.enqueueWrite(() => this.storage.write(this.userId, put, gone));
  }

  private writeLastSeen(): void {
    if (this.lastSeenTimer) clearTimeout(this.lastSeenTimer);
    this.lastSeenTimer = null;
    const due = [...this.lastSeenDue];
    this.lastSeenDue.clear();
    for (const [namespace, state] of due) {
      this.enqueueWrite(() => this.storage.keepLastSeen(this.userId, namespace, state));
    }
  }

  /** Queues one write, after those queued before it; a failed write is logged, never fatal. */
  private enqueueWrite(write: () => Promise<void>): void {
    this.writes = this.writes.then(write).catch((error: unknown) => {
      console.warn('Could not keep the changes made offline.', error);
    });
  }

  private nextOrder(): number {
    this.lastOrder = Math.max(Date.now(), this.lastOrder + 1);
    return this.lastOrder;
  }
}
