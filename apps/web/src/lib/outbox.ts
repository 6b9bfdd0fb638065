import type { Namespace } from '@tandem/contract';

/**
 * What a reload must not lose, kept in IndexedDB per user and namespace: the commands not yet
 * acknowledged by the server, each under its `opId` (sent again after a reload with the same
 * `opId`, which the server applies at most once), and the view as last seen, so that the app can
 * show the open room, board or list, with those commands applied, before the connection is back.
 *
 * Storage is best effort: where IndexedDB cannot be opened (some private modes), everything
 * still works for the life of the page, as it did before anything was kept.
 */

const databaseName = 'tandem';
const databaseVersion = 1;
/** Key `[userId, namespace, opId]`; `order` keeps the commands in the order they were made. */
const commandStore = 'outbox';
/** Key `[userId, namespace]`. */
const lastSeenStore = 'last-seen';
const lastSeenEveryMs = 1_000;

interface StoredCommand<C> {
  userId: string;
  namespace: Namespace;
  opId: string;
  order: number;
  command: C;
}

interface StoredLastSeen<S> {
  userId: string;
  namespace: Namespace;
  state: S;
}

let opened: Promise<IDBDatabase | null> | null = null;
/** Users signed out in this page: nothing of theirs is written again, even by a late answer. */
const forgotten = new Set<string>();

function database(): Promise<IDBDatabase | null> {
  opened ??= new Promise<IDBDatabase | null>((resolve) => {
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
        opened = null;
      };
      resolve(db);
    };
    request.onerror = () => {
      console.warn('Changes made offline will not survive a reload: IndexedDB is not available.', request.error);
      resolve(null);
    };
  });
  return opened;
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

/** What an earlier visit kept. */
export interface Kept<C, S> {
  /** Oldest first. */
  commands: C[];
  lastSeen: S | null;
}

/**
 * The outbox of one user in one namespace. The manager hands it, after every change, the whole
 * queue as it stands (`sync`) and the view as it stands (`keepLastSeen`), both as plain data
 * (snapshots, not state proxies: those cannot be stored); only what changed is written, one
 * write after another, in the order they were asked for.
 */
export class Outbox<C extends { opId: string }, S> {
  /** What is stored of each command, as JSON, to write only what changed. */
  private readonly stored = new Map<string, { order: number; json: string }>();
  private lastOrder = 0;
  private writes: Promise<void> = Promise.resolve();
  /** The newest view, not written yet. */
  private lastSeenDue: { state: S | null } | null = null;
  private lastSeenTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly userId: string,
    private readonly namespace: Namespace,
  ) {}

  /** Reads what an earlier visit kept; nothing if storage fails. */
  async restore(): Promise<Kept<C, S>> {
    const db = await database();
    if (!db) return { commands: [], lastSeen: null };
    try {
      const transaction = db.transaction([commandStore, lastSeenStore], 'readonly');
      const [commands, lastSeen] = await Promise.all([
        result(transaction.objectStore(commandStore).getAll(startingWith([this.userId, this.namespace]))) as Promise<
          StoredCommand<C>[]
        >,
        result(transaction.objectStore(lastSeenStore).get([this.userId, this.namespace])) as Promise<
          StoredLastSeen<S> | undefined
        >,
      ]);
      commands.sort((a, b) => a.order - b.order);
      for (const { opId, order, command } of commands) {
        this.stored.set(opId, { order, json: JSON.stringify(command) });
        this.lastOrder = Math.max(this.lastOrder, order);
      }
      return { commands: commands.map((entry) => entry.command), lastSeen: lastSeen?.state ?? null };
    } catch (error) {
      console.warn('Could not read the changes kept offline.', error);
      return { commands: [], lastSeen: null };
    }
  }

  /**
   * Makes the stored queue equal to `commands` (in the order given): new commands are added
   * after the others, changed ones rewritten in their place, missing ones deleted.
   */
  sync(commands: readonly C[]): void {
    const puts: StoredCommand<C>[] = [];
    const present = new Set<string>();
    for (const command of commands) {
      present.add(command.opId);
      const json = JSON.stringify(command);
      const known = this.stored.get(command.opId);
      if (known?.json === json) continue;
      const order = known?.order ?? this.nextOrder();
      this.stored.set(command.opId, { order, json });
      puts.push({ userId: this.userId, namespace: this.namespace, opId: command.opId, order, command });
    }
    const deletes = [...this.stored.keys()].filter((opId) => !present.has(opId));
    for (const opId of deletes) this.stored.delete(opId);
    if (puts.length === 0 && deletes.length === 0) return;
    this.writeLastSeen();
    this.write(commandStore, (store) => {
      for (const entry of puts) store.put(entry);
      for (const opId of deletes) store.delete([this.userId, this.namespace, opId]);
    });
  }

  /**
   * Keeps the view as it is now (null: nothing to show). Views change with every broadcast, so
   * only the newest is written, at most every `lastSeenEveryMs`, and always before a command
   * that is written after it: a command is never kept without the view it applies to.
   */
  keepLastSeen(state: S | null): void {
    this.lastSeenDue = { state };
    this.lastSeenTimer ??= setTimeout(() => this.writeLastSeen(), lastSeenEveryMs);
  }

  /** Writes what is due now (the page is going away from this namespace). */
  close(): void {
    this.writeLastSeen();
  }

  private writeLastSeen(): void {
    if (this.lastSeenTimer) clearTimeout(this.lastSeenTimer);
    this.lastSeenTimer = null;
    const due = this.lastSeenDue;
    this.lastSeenDue = null;
    if (!due) return;
    const key = [this.userId, this.namespace];
    const { state } = due;
    this.write(lastSeenStore, (store) =>
      state === null
        ? store.delete(key)
        : store.put({ userId: this.userId, namespace: this.namespace, state } satisfies StoredLastSeen<S>),
    );
  }

  private nextOrder(): number {
    this.lastOrder = Math.max(Date.now(), this.lastOrder + 1);
    return this.lastOrder;
  }

  /** Queues one write, after those queued before it. */
  private write(storeName: string, change: (store: IDBObjectStore) => unknown): void {
    const userId = this.userId;
    this.writes = this.writes.then(async () => {
      if (forgotten.has(userId)) return;
      const db = await database();
      if (!db) return;
      try {
        const transaction = db.transaction(storeName, 'readwrite');
        change(transaction.objectStore(storeName));
        await completed(transaction);
      } catch (error) {
        console.warn('Could not keep the changes made offline.', error);
      }
    });
  }
}

/** Deletes everything kept for a user (on sign-out); nothing more of theirs is written in this page. */
export async function clearOutbox(userId: string): Promise<void> {
  forgotten.add(userId);
  const db = await database();
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
