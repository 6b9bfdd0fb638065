import {
  DirectoryBroadcast,
  ErrorCode,
  timeOrderedId,
  type DirectoryChanged,
  type DirectoryServerEvents,
  type Namespace,
  type User,
} from '@tandem/contract';
import type { Socket } from 'socket.io-client';
import type { Connection } from './connection.js';
import type { Outbox } from './outbox.js';
import { retryPlan } from './retry.js';
import { Store } from './store.js';
import type { CommandError, CommandOutcome } from './transport.js';

/** Something the user should hear of: a refused command, a deleted list. */
export interface Notice {
  tone: 'error' | 'info';
  text: string;
}

/** Small values kept across runs (the open room, board or list): localStorage in a page. */
export interface Preferences {
  get(key: string): string | null;
  set(key: string, value: string | null): void;
}

export function memoryPreferences(): Preferences {
  const values = new Map<string, string>();
  return {
    get: (key) => values.get(key) ?? null,
    set: (key, value) => (value === null ? values.delete(key) : values.set(key, value)),
  };
}

/**
 * How joining a board or list ended: `gone` (not found, or closed to this user), `refused` (any
 * other refusal), or `later` (the server could not take it now: draining, or the connection
 * dropped), which the next connection's resync tries again.
 */
export type JoinResult = 'joined' | 'gone' | 'refused' | 'later';

/** What every feature gets from the client that owns it. */
export interface FeatureContext {
  me: User;
  outbox: Outbox;
  preferences: Preferences;
  notify(notice: Notice): void;
}

/** A new `opId`: time-ordered, which is the cheapest kind for the server to store (see `timeOrderedId`). */
export function newOpId(): string {
  return timeOrderedId();
}

/**
 * What the `/chat`, `/scoreboard` and `/lists` features share: their connection, their state as
 * an immutable `Store`, the outbox's entries of their namespace, the view as last seen (kept with
 * the outbox), the id of the open thing remembered across runs, and how a failed join ends.
 */
export abstract class Feature<N extends Namespace, S> {
  readonly state: Store<S>;
  readonly me: User;
  readonly outbox: Outbox;
  private readonly rememberedKey: string;
  private readonly cleanups: (() => void)[] = [];

  /** `remembers`: what the open thing is called in preferences (`room`, `board`, `list`). */
  constructor(
    readonly connection: Connection<N>,
    protected readonly context: FeatureContext,
    initial: S,
    remembers: string,
  ) {
    this.state = new Store(initial);
    this.me = context.me;
    this.outbox = context.outbox;
    this.rememberedKey = `tandem.${remembers}.${this.me.id}`;
  }

  get namespace(): N {
    return this.connection.namespace;
  }

  /** Restores what an earlier run kept, then connects for good. */
  start(lastSeen: unknown): void {
    if (lastSeen) this.restoreLastSeen(lastSeen);
    this.cleanups.push(this.state.subscribe((state) => this.outbox.keepLastSeen(this.namespace, this.lastSeen(state))));
    this.subscribe();
    // Every namespace's directory is live: nothing polls it.
    const directory = this.connection.socket as unknown as Socket<DirectoryServerEvents>;
    directory.on(DirectoryBroadcast.Changed, (change) => this.directoryChanged(change));
    this.connection.start({
      resync: (firstTime) => {
        // The directory may have changed while disconnected: it is read whole on every connection.
        void this.loadDirectory(!firstTime);
        return this.resync(firstTime);
      },
      flush: () => this.outbox.flush(this.namespace),
      disconnected: () => this.disconnected(),
    });
  }

  stop(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.dispose();
    this.connection.stop();
  }

  /** Subscribes to the namespace's broadcasts. */
  protected abstract subscribe(): void;
  /** After a (re)connection: rejoin what is open, so that nothing missed stays missing. */
  protected abstract resync(firstTime: boolean): Promise<unknown>;
  /** The view to show after a reload until the connection is back (null: nothing). */
  protected abstract lastSeen(state: S): unknown;
  protected abstract restoreLastSeen(kept: unknown): void;
  /** Reads the namespace's directory (rooms, boards, lists); `quiet` shows neither progress nor failure. */
  protected abstract loadDirectory(quiet: boolean): Promise<void>;
  /** A space of the namespace was created, renamed or deleted. */
  protected abstract directoryChanged(change: DirectoryChanged): void;
  protected disconnected(): void {}
  protected dispose(): void {}

  protected update(change: (state: S) => S): void {
    this.state.update(change);
  }

  protected patch(fields: Partial<S>): void {
    this.state.update((state) => ({ ...state, ...fields }));
  }

  notify(tone: Notice['tone'], text: string): void {
    this.context.notify({ tone, text });
  }

  /** A command's outcome, with a notice when it failed (`what`: "Could not <what>: …"). */
  async request<T>(what: string, outcome: Promise<CommandOutcome<T>>): Promise<T | null> {
    const settled = await outcome;
    if (settled.ok) return settled.data;
    this.notify('error', `Could not ${what}: ${settled.error.message}`);
    return null;
  }

  /** Loads the sidebar's list, showing progress and failures unless `quiet`. */
  async loadCatalog<T>(
    quiet: boolean,
    what: string,
    request: () => Promise<CommandOutcome<T>>,
    apply: (data: T) => void,
    loading: (value: boolean) => void,
  ): Promise<void> {
    if (!quiet) loading(true);
    const outcome = await request();
    if (!quiet) loading(false);
    if (outcome.ok) apply(outcome.data);
    else if (!quiet) this.notify('error', `Could not load ${what}: ${outcome.error.message}`);
  }

  /**
   * Says why a join failed and how it ended; a room, board or list that is gone is no longer
   * remembered. Resuming (a resync), a `later` failure is not worth a word: it is tried again.
   */
  protected joinFailed(error: CommandError, what: string, resuming: boolean): Exclude<JoinResult, 'joined'> {
    const result =
      retryPlan(error, this.connection.canSend()) === 'reconnect'
        ? 'later'
        : error.code === ErrorCode.Forbidden || error.code === ErrorCode.NotFound
          ? 'gone'
          : 'refused';
    if (result === 'gone') this.remember(null);
    if (result !== 'later' || !resuming) this.notify('error', `Could not open ${what}: ${error.message}`);
    return result;
  }

  /** The id of the open room, board or list, kept for the next run (null forgets it). */
  protected remember(id: string | null): void {
    this.context.preferences.set(this.rememberedKey, id);
  }

  protected remembered(): string | null {
    return this.context.preferences.get(this.rememberedKey);
  }

  protected addCleanup(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }
}
