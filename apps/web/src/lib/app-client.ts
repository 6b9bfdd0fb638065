import { TandemClient, browserEnvironment, type Preferences } from '@tandem/client';
import { ChatManager } from './chat.svelte.js';
import { ListsManager } from './lists.svelte.js';
import { notices } from './notices.svelte.js';
import { ScoreboardManager } from './scoreboard.svelte.js';
import { outboxStorage, type SessionManager } from './session.svelte.js';

const localPreferences: Preferences = {
  get: (key) => localStorage.getItem(key),
  set: (key, value) => (value === null ? localStorage.removeItem(key) : localStorage.setItem(key, value)),
};

/**
 * The signed-in user's client for the whole session: the core (`@tandem/client`, with its three
 * connections and one outbox kept in IndexedDB) and the Svelte managers the views read. Every
 * view is a window on it: switching views opens or closes nothing.
 */
export class AppClient {
  readonly core: TandemClient;
  readonly chat: ChatManager;
  readonly scoreboard: ScoreboardManager;
  readonly lists: ListsManager;

  constructor(session: SessionManager) {
    this.core = new TandemClient({
      session: session.core,
      storage: outboxStorage,
      environment: browserEnvironment(),
      preferences: localPreferences,
      notify: ({ tone, text }) => (tone === 'error' ? notices.error(text) : notices.info(text)),
    });
    const entries = this.core.outbox.entries;
    this.chat = new ChatManager(this.core.chat, entries);
    this.scoreboard = new ScoreboardManager(this.core.scoreboard, entries);
    this.lists = new ListsManager(this.core.lists, entries);
  }

  start(): void {
    void this.core.start();
  }

  stop(): void {
    for (const manager of [this.chat, this.scoreboard, this.lists]) manager.dispose();
    void this.core.stop();
  }
}
