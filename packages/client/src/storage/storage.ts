import type { Namespace } from '@tandem/contract';
import type { OutboxEntry } from '../outbox-entry.js';

/** One kept command and its place in the queue (`order` grows with every new command). */
export interface StoredEntry {
  order: number;
  entry: OutboxEntry;
}

/** Which entry to delete. */
export type DeletedEntry = Pick<OutboxEntry, 'namespace' | 'opId'>;

/** What an earlier run kept for a user. */
export interface KeptState {
  /** Oldest first. */
  entries: OutboxEntry[];
  /** Each namespace's view as last seen (what to show before the connection is back). */
  lastSeen: Partial<Record<Namespace, unknown>>;
}

/**
 * Where the outbox keeps a user's unacknowledged commands and each namespace's view as last seen,
 * so that a reload (or a restarted bot) sends them again with the same `opId`s. Everything is
 * plain JSON data, never closures. Writes are handed over one after another, in order.
 */
export interface OutboxStorage {
  load(userId: string): Promise<KeptState>;
  /** Adds or rewrites `put` (by `opId`) and deletes `deleted`, as one write. */
  write(userId: string, put: readonly StoredEntry[], deleted: readonly DeletedEntry[]): Promise<void>;
  /** null: nothing to show. */
  keepLastSeen(userId: string, namespace: Namespace, state: unknown): Promise<void>;
  /** Forgets everything kept for `userId` (on sign-out). */
  clear(userId: string): Promise<void>;
}

/** Keeps nothing beyond the process: for tests, and for scripts that may lose their queue. */
export class MemoryOutboxStorage implements OutboxStorage {
  private readonly users = new Map<string, { entries: Map<string, StoredEntry>; lastSeen: KeptState['lastSeen'] }>();

  async load(userId: string): Promise<KeptState> {
    const kept = this.users.get(userId);
    if (!kept) return { entries: [], lastSeen: {} };
    return structuredClone({ entries: sortedEntries(kept.entries.values()), lastSeen: kept.lastSeen });
  }

  async write(userId: string, put: readonly StoredEntry[], deleted: readonly DeletedEntry[]): Promise<void> {
    const kept = this.user(userId);
    for (const stored of put) kept.entries.set(stored.entry.opId, structuredClone(stored));
    for (const { opId } of deleted) kept.entries.delete(opId);
  }

  async keepLastSeen(userId: string, namespace: Namespace, state: unknown): Promise<void> {
    const kept = this.user(userId);
    if (state === null) delete kept.lastSeen[namespace];
    else kept.lastSeen[namespace] = structuredClone(state);
  }

  async clear(userId: string): Promise<void> {
    this.users.delete(userId);
  }

  private user(userId: string) {
    let kept = this.users.get(userId);
    if (!kept) {
      kept = { entries: new Map(), lastSeen: {} };
      this.users.set(userId, kept);
    }
    return kept;
  }
}

/** The entries in queue order. */
export function sortedEntries(stored: Iterable<StoredEntry>): OutboxEntry[] {
  return [...stored].sort((a, b) => a.order - b.order).map((kept) => kept.entry);
}
