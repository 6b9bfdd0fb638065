import {
  AuthFailure,
  HttpRoute,
  parsePayload,
  sessionCreateInput,
  type Ack,
  type SessionCreated,
  type User,
} from '@tandem/contract';
import { clearOutbox } from './outbox.js';

const storageKey = 'tandem.session';
/** A token is refreshed this long before it expires… */
const refreshLeadMaxMs = 5 * 60_000;
/** …or, when it has less than that left, once this share of what it has left has passed. */
const refreshAtShare = 0.8;
/** A failed refresh (network, server restart) is tried again after this, while the token lasts. */
const refreshRetryMs = 30_000;
/** setTimeout's ceiling; a later refresh is re-armed when it fires. */
const maxTimerMs = 2 ** 31 - 1;

/** Why a stored session was dropped, as the sign-in screen says it. */
const refusalText: Record<AuthFailure, string> = {
  [AuthFailure.Missing]: 'You are signed out. Sign in to continue.',
  [AuthFailure.Malformed]: 'Your saved session could not be read. Please sign in again.',
  [AuthFailure.Invalid]: 'Your session is no longer valid. Please sign in again.',
  [AuthFailure.Expired]: 'Your session has expired. Please sign in again.',
  [AuthFailure.UnknownUser]: 'Your account is no longer known to the server. Please sign in again.',
};

function isAuthFailure(value: string): value is AuthFailure {
  return (Object.values(AuthFailure) as string[]).includes(value);
}

function readStored(): SessionCreated | null {
  try {
    const raw = localStorage.getItem(storageKey);
    if (!raw) return null;
    const stored = JSON.parse(raw) as Partial<SessionCreated>;
    if (typeof stored.token !== 'string' || !stored.user?.id || typeof stored.expiresAt !== 'string') return null;
    return stored as SessionCreated;
  } catch {
    return null;
  }
}

/** What a namespace's connection needs from the signed-in session. */
export interface SessionLink {
  readonly user: User | null;
  readonly token: string | null;
  /** A refused handshake or `auth:expired`: true when the session is over (back to sign-in). */
  refused(reason: string): boolean;
  /** Calls `listener` with every refreshed token, until the returned function is called. */
  onRefreshed(listener: (token: string) => void): () => void;
}

/**
 * Who is signed in: a display name traded for a signed token, both kept in localStorage. The
 * token is refreshed shortly before it expires; the open sockets hear of it through `onRefreshed`.
 */
export class SessionManager implements SessionLink {
  token = $state<string | null>(null);
  user = $state<User | null>(null);
  expiresAt = $state<string | null>(null);
  signingIn = $state(false);
  /** Why the user is looking at the sign-in form: a refused sign-in, or a dropped session. */
  problem = $state<string | null>(null);

  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly refreshListeners = new Set<(token: string) => void>();

  constructor() {
    const stored = readStored();
    if (!stored) return;
    if (Date.parse(stored.expiresAt) <= Date.now()) {
      localStorage.removeItem(storageKey);
      this.problem = refusalText[AuthFailure.Expired];
      return;
    }
    this.adopt(stored);
  }

  get signedIn(): boolean {
    return this.token !== null && this.user !== null;
  }

  async signIn(name: string): Promise<boolean> {
    const parsed = parsePayload(sessionCreateInput, { name });
    if (!parsed.ok) {
      this.problem = `Name ${parsed.issues[0]?.message ?? 'is not valid'}.`;
      return false;
    }
    this.signingIn = true;
    this.problem = null;
    try {
      const response = await fetch(HttpRoute.Sessions, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(parsed.value),
      });
      const body = (await response.json().catch(() => null)) as SessionCreated | Ack<never> | null;
      if (!response.ok || !body || !('token' in body)) {
        const reason =
          body && 'error' in body && !body.ok ? body.error.message : `the server answered ${response.status}`;
        this.problem = `Could not sign in: ${reason}.`;
        return false;
      }
      localStorage.setItem(storageKey, JSON.stringify(body));
      this.adopt(body);
      return true;
    } catch {
      this.problem = 'Could not reach the server. Check your connection and try again.';
      return false;
    } finally {
      this.signingIn = false;
    }
  }

  /** Ends the session here; what this user had queued offline is deleted with it. */
  signOut(problem: string | null = null): void {
    if (this.user) void clearOutbox(this.user.id);
    localStorage.removeItem(storageKey);
    this.clearRefresh();
    this.token = null;
    this.user = null;
    this.expiresAt = null;
    this.problem = problem;
  }

  /** The socket was refused: a reason the token will never get past is the end of this session. */
  refused(reason: string): boolean {
    if (!isAuthFailure(reason)) return false;
    this.signOut(refusalText[reason]);
    return true;
  }

  onRefreshed(listener: (token: string) => void): () => void {
    this.refreshListeners.add(listener);
    return () => this.refreshListeners.delete(listener);
  }

  /** Trades the current token for a fresh one of the same user, then tells the open sockets. */
  async refresh(): Promise<void> {
    const token = this.token;
    if (!token) return;
    let response: Response;
    try {
      response = await fetch(HttpRoute.SessionRefresh, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
    } catch {
      this.scheduleRefresh(refreshRetryMs);
      return;
    }
    // Signed out, or signed in again, while the request was out: its answer is for nobody now.
    if (this.token !== token) return;
    const body = (await response.json().catch(() => null)) as SessionCreated | Ack<never> | null;
    if (response.ok && body && 'token' in body) {
      localStorage.setItem(storageKey, JSON.stringify(body));
      this.adopt(body);
      for (const listener of this.refreshListeners) listener(body.token);
      return;
    }
    if (response.status === 401) {
      const reason = body && 'error' in body && !body.ok ? detailReason(body.error.details) : null;
      if (!reason || !this.refused(reason)) this.signOut(refusalText[AuthFailure.Invalid]);
      return;
    }
    this.scheduleRefresh(refreshRetryMs);
  }

  private adopt(session: SessionCreated): void {
    this.token = session.token;
    // The same person keeps the same object, so nothing keyed on it starts over on a refresh.
    if (this.user?.id !== session.user.id) this.user = session.user;
    this.expiresAt = session.expiresAt;
    this.scheduleRefresh();
  }

  /** Arms the refresh: by default shortly before expiry; `afterMs` to try again sooner. */
  private scheduleRefresh(afterMs?: number): void {
    this.clearRefresh();
    if (!this.expiresAt) return;
    const remaining = Date.parse(this.expiresAt) - Date.now();
    // Past expiry nothing is left to refresh: the server says `auth:expired` and the session ends.
    if (remaining <= 0) return;
    const due =
      afterMs !== undefined
        ? Math.min(afterMs, Math.max(1_000, remaining / 2))
        : Math.max(remaining * refreshAtShare, remaining - refreshLeadMaxMs);
    const delay = Math.min(due, maxTimerMs);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      if (delay === maxTimerMs) this.scheduleRefresh();
      else void this.refresh();
    }, delay);
  }

  private clearRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }
}

/** `details.reason` of an `UNAUTHORIZED` answer: why the token was refused. */
function detailReason(details: unknown): string | null {
  const reason = typeof details === 'object' && details !== null ? (details as { reason?: unknown }).reason : undefined;
  return typeof reason === 'string' ? reason : null;
}

export const session = new SessionManager();
