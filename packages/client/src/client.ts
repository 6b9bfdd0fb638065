import { Namespace } from '@tandem/contract';
import { ChatFeature } from './chat/chat.js';
import { Connection } from './connection.js';
import { alwaysOnline, type Environment } from './environment.js';
import { memoryPreferences, type FeatureContext, type Notice, type Preferences } from './feature.js';
import { ListsFeature } from './lists/lists.js';
import { Outbox } from './outbox.js';
import { ScoreboardFeature } from './scoreboard/scoreboard.js';
import type { Session } from './session.js';
import type { OutboxStorage } from './storage/storage.js';
import { openEngine } from './transport.js';

export interface TandemClientOptions {
  /** The signed-in session (its user and token). */
  session: Session;
  /** Where the outbox is kept: `IndexedDbOutboxStorage` in a page, `FileOutboxStorage` or `MemoryOutboxStorage` in Node. */
  storage: OutboxStorage;
  /** The server's address; empty (the default) in a page the server serves. */
  baseUrl?: string;
  /** Where the network status comes from; Node's default is always online. */
  environment?: Environment;
  /** Where the open room, board and list are remembered; memory by default. */
  preferences?: Preferences;
  /** Hears what the user should be told (refusals, deleted lists). */
  notify?: (notice: Notice) => void;
}

/**
 * One signed-in user's client: one connection per namespace (`/chat`, `/scoreboard`, `/lists`),
 * all open for the whole session whatever a UI shows, and ONE outbox for the three, kept in
 * `storage` and sent again on every reconnection. Framework-free: a UI binds to the features'
 * `state` stores and the outbox's `entries`; a script calls the features' methods.
 */
export class TandemClient {
  readonly outbox: Outbox;
  readonly chat: ChatFeature;
  readonly scoreboard: ScoreboardFeature;
  readonly lists: ListsFeature;
  private started = false;

  constructor(private readonly options: TandemClientOptions) {
    const { session, storage } = options;
    const me = session.user;
    if (!me) throw new Error('a client needs a signed-in session: call session.signIn(name) first');
    const environment = options.environment ?? alwaysOnline;
    const engine = openEngine(options.baseUrl ?? '');
    this.outbox = new Outbox(me.id, storage);
    const context: FeatureContext = {
      me,
      outbox: this.outbox,
      preferences: options.preferences ?? memoryPreferences(),
      notify: options.notify ?? (() => undefined),
    };
    this.chat = new ChatFeature(new Connection(engine, Namespace.Chat, session, environment), context);
    this.scoreboard = new ScoreboardFeature(
      new Connection(engine, Namespace.Scoreboard, session, environment),
      context,
    );
    this.lists = new ListsFeature(new Connection(engine, Namespace.Lists, session, environment), context);
  }

  get features() {
    return [this.chat, this.scoreboard, this.lists] as const;
  }

  /** Brings back what an earlier run kept, then connects the three namespaces. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const kept = await this.outbox.restore();
    for (const feature of this.features) feature.start(kept.lastSeen[feature.namespace] ?? null);
  }

  /** Resolves once every namespace is connected (at most `timeoutMs`). */
  connected(timeoutMs = 10_000): Promise<void> {
    return Promise.all(
      this.features.map(
        (feature) =>
          new Promise<void>((resolve, reject) => {
            if (feature.connection.status.get().connection === 'connected') return resolve();
            const timer = setTimeout(() => {
              stop();
              reject(new Error(`${feature.namespace} did not connect within ${timeoutMs} ms`));
            }, timeoutMs);
            const stop = feature.connection.status.subscribe((status) => {
              if (status.connection !== 'connected') return;
              clearTimeout(timer);
              stop();
              resolve();
            });
          }),
      ),
    ).then(() => undefined);
  }

  /** Resolves once nothing is left to send in the outbox but refused (failed) entries. */
  drained(timeoutMs = 10_000): Promise<void> {
    const done = () => this.outbox.entries.get().every((entry) => entry.status === 'failed');
    return new Promise((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`the outbox still held ${this.outbox.entries.get().length} commands after ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = this.outbox.entries.subscribe(() => {
        if (!done()) return;
        clearTimeout(timer);
        stop();
        resolve();
      });
    });
  }

  /** Closes the connections; what is still queued stays in the storage for the next run. */
  async stop(): Promise<void> {
    for (const feature of this.features) feature.stop();
    this.outbox.stop();
    await this.outbox.settled();
    this.options.session.stop();
  }
}
