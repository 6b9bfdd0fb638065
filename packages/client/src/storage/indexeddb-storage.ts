import type { Namespace } from '@tandem/contract';
import { sortedEntries, type DeletedEntry, type KeptState, type OutboxStorage, type StoredEntry } from './storage.js';

const databaseName = 'tandem';
const databaseVersion = 1;
/** Key `[userId, namespace, opId]`; `order` keeps the commands in the order they were made. */
const commandStore = 'outbox';
/** Key `[userId, namespace]`. */
const lastSeenStore = 'last-seen';

interface StoredCommand extends StoredEntry {
  userId: string;
  namespace: Namespace;
  opId: string;
}

interface StoredLastSeen {
  userId: string;
  namespace: Namespace;
  state: unknown;
}

function completed(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
  });
}

function result<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

/** Every key that starts with `prefix` (arrays sort after strings and numbers in IndexedDB). */
function startingWith(prefix: string[]): IDBKeyRange {
  return IDBKeyRange.bound(prefix, [...prefix, []]);
}

/**
 * The browser's outbox storage. Best effort: where IndexedDB cannot be opened (some private
 * modes), everything still works for the life of the page, and nothing is kept.
 */
export class IndexedDbOutboxStorage implements OutboxStorage {
  private opened: Promise<IDBDatabase | null> | null = null;
  /** Users signed out in this page: nothing of theirs is written again, even by a late answer. */
  private readonly forgotten = new Set<string>();

  async load(userId: string): Promise<KeptState> {
    this.forgotten.delete(userId);
    const db = await this.database();
    if (!db) return { entries: [], lastSeen: {} };
    try {
      const transaction = db.transaction([commandStore, lastSeenStore], 'readonly');
      const [commands, seen] = await Promise.all([
        result(transaction.objectStore(commandStore).getAll(startingWith([userId]))) as Promise<StoredCommand[]>,
        result(transaction.objectStore(lastSeenStore).getAll(startingWith([userId]))) as Promise<StoredLastSeen[]>,
      ]);
      return {
        entries: sortedEntries(commands),
        lastSeen: Object.fromEntries(seen.map((kept) => [kept.namespace, kept.state])),
      };
    } catch (error) {
      console.warn('Could not read the changes kept offline.', error);
      return { entries: [], lastSeen: {} };
    }
  }

  async write(userId: string, put: readonly StoredEntry[], deleted: readonly DeletedEntry[]): Promise<void> {
    await this.change(userId, commandStore, (store) => {
      for (const { order, entry } of put) {
        store.put({ userId, namespace: entry.namespace, opId: entry.opId, order, entry } satisfies StoredCommand);
      }
      for (const { namespace, opId } of deleted) store.delete([userId, namespace, opId]);
    });
  }

  async keepLastSeen(userId: string, namespace: Namespace, state: unknown): Promise<void> {
    await this.change(userId, lastSeenStore, (store) =>
      state === null
        ? store.delete([userId, namespace])
        : store.put({ userId, namespace, state } satisfies StoredLastSeen),
    );
  }

  async clear(userId: string): Promise<void> {
    this.forgotten.add(userId);
    const db = await this.database();
    if (!db) return;
    try {
      const transaction = db.transaction([commandStore, lastSeenStore], 'readwrite');
      transaction.objectStore(commandStore).delete(startingWith([userId]));
      transaction.objectStore(lastSeenStore).delete(startingWith([userId]));
      await completed(transaction);
    } catch (error) {
      console.warn('Could not delete the changes kept offline.', error);
    }
  }

  private async change(userId: string, storeName: string, change: (store: IDBObjectStore) => unknown): Promise<void> {
    if (this.forgotten.has(userId)) return;
    const db = await this.database();
    if (!db) return;
    try {
      const transaction = db.transaction(storeName, 'readwrite');
      change(transaction.objectStore(storeName));
      await completed(transaction);
    } catch (error) {
      console.warn('Could not keep the changes made offline.', error);
    }
  }

  private database(): Promise<IDBDatabase | null> {
    this.opened ??= new Promise<IDBDatabase | null>((resolve) => {
      let request: IDBOpenDBRequest;
      try {
        request = indexedDB.open(databaseName, databaseVersion);
      } catch {
        resolve(null);
        return;
      }
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(commandStore)) {
          db.createObjectStore(commandStore, { keyPath: ['userId', 'namespace', 'opId'] });
        }
        if (!db.objectStoreNames.contains(lastSeenStore)) {
          db.createObjectStore(lastSeenStore, { keyPath: ['userId', 'namespace'] });
        }
      };
      request.onsuccess = () => {
        const db = request.result;
        // A newer version of the app, open in another tab, wants to upgrade: let it, reopen later.
        db.onversionchange = () => {
          db.close();
          this.opened = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        console.warn('Changes made offline will not survive a reload: IndexedDB is not available.', request.error);
        resolve(null);
      };
    });
    return this.opened;
  }
}
