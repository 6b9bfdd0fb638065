import { IndexedDbOutboxStorage, Session, type SessionStorage, type SessionState } from '@tandem/client';
import type { SessionCreated, User } from '@tandem/contract';

const storageKey = 'tandem.session';

/** The session kept in localStorage between visits. */
const localSession: SessionStorage = {
  load() {
    try {
      const raw = localStorage.getItem(storageKey);
      if (!raw) return null;
      const stored = JSON.parse(raw) as Partial<SessionCreated>;
      if (typeof stored.token !== 'string' || !stored.user?.id || typeof stored.expiresAt !== 'string') return null;
      return stored as SessionCreated;
    } catch {
      return null;
    }
  },
  save(session) {
    if (session) localStorage.setItem(storageKey, JSON.stringify(session));
    else localStorage.removeItem(storageKey);
  },
};

/** Where every user's outbox is kept in this browser. */
export const outboxStorage = new IndexedDbOutboxStorage();

/**
 * Who is signed in, as the views see it: the client core's `Session` (kept in localStorage),
 * projected into Svelte state. Signing out deletes what the user had queued offline.
 */
export class SessionManager {
  readonly core = new Session('', localSession);
  private state = $state.raw<SessionState>(this.core.state.get());
  signingIn = $state(false);

  constructor() {
    this.core.state.subscribe((state) => (this.state = state));
    this.core.onEnded((userId) => void outboxStorage.clear(userId));
  }

  get user(): User | null {
    return this.state.user;
  }

  get problem(): string | null {
    return this.state.problem;
  }

  get signedIn(): boolean {
    return this.state.token !== null && this.state.user !== null;
  }

  async signIn(name: string): Promise<boolean> {
    this.signingIn = true;
    try {
      return await this.core.signIn(name);
    } finally {
      this.signingIn = false;
    }
  }

  signOut(): void {
    this.core.signOut();
  }
}

export const session = new SessionManager();
