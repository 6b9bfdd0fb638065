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

  /** The account's username; null for a guest. */
  get username(): string | null {
    return this.state.username;
  }

  get problem(): string | null {
    return this.state.problem;
  }

  get signedIn(): boolean {
    return this.state.token !== null && this.state.user !== null;
  }

  async signIn(name: string): Promise<boolean> {
    return this.busy(() => this.core.signIn(name));
  }

  /** Null when signed in, else why not (also shown by the sign-in screen). */
  signInToAccount(username: string, password: string): Promise<string | null> {
    return this.busy(() => this.core.signInToAccount(username, password));
  }

  signUp(username: string, password: string, name?: string): Promise<string | null> {
    return this.busy(() => this.core.signUp(username, password, name));
  }

  /** A guest keeps their identity as an account; null when done, else why not. */
  claim(username: string, password: string): Promise<string | null> {
    return this.core.claim(username, password);
  }

  changePassword(currentPassword: string, newPassword: string): Promise<string | null> {
    return this.core.changePassword(currentPassword, newPassword);
  }

  private async busy<T>(work: () => Promise<T>): Promise<T> {
    this.signingIn = true;
    try {
      return await work();
    } finally {
      this.signingIn = false;
    }
  }

  signOut(): void {
    this.core.signOut();
  }
}

export const session = new SessionManager();
