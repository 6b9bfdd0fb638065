import {
  AuthFailure,
  HttpRoute,
  parsePayload,
  sessionCreateInput,
  type Ack,
  type SessionCreated,
  type User,
} from '@tandem/contract';
import type { SessionLink } from './connection.js';
import { Store } from './store.js';

/** A token is refreshed this long before it expires… */
const refreshLeadMaxMs = 5 * 60_000;
/** …or, when it has less than that left, once this share of what it has left has passed. */
const refreshAtShare = 0.8;
/** A failed refresh (network, server restart) is tried again after this, while the token lasts. */
const refreshRetryMs = 30_000;
/** setTimeout's ceiling; a later refresh is re-armed when it fires. */
const maxTimerMs = 2 ** 31 - 1;

/** Why a session was dropped, as a sign-in screen says it. */
export const refusalText: Record<AuthFailure, string> = {
  [AuthFailure.Missing]: 'You are signed out. Sign in to continue.',
  [AuthFailure.Malformed]: 'Your saved session could not be read. Please sign in again.',
  [AuthFailure.Invalid]: 'Your session is no longer valid. Please sign in again.',
  [AuthFailure.Expired]: 'Your session has expired. Please sign in again.',
  [AuthFailure.UnknownUser]: 'Your account is no longer known to the server. Please sign in again.',
  [AuthFailure.Revoked]: 'You were signed out (on another device, or your password was changed). Please sign in again.',
};

function isAuthFailure(value: string): value is AuthFailure {
  return (Object.values(AuthFailure) as string[]).includes(value);
}

/** Where a session is kept between runs (localStorage in a page; nothing, or a file, in Node). */
export interface SessionStorage {
  load(): SessionCreated | null;
  save(session: SessionCreated | null): void;
}

export interface SessionState {
  token: string | null;
  user: User | null;
  expiresAt: string | null;
  /** Why there is no session: a refused sign-in, or a dropped session. */
  problem: string | null;
}

/** `details.reason` of an `UNAUTHORIZED` answer: why the token was refused. */
function detailReason(details: unknown): string | null {
  const reason = typeof details === 'object' && details !== null ? (details as { reason?: unknown }).reason : undefined;
  return typeof reason === 'string' ? reason : null;
}

/**
 * Who is signed in: a display name traded for a signed token over HTTP. The token is refreshed
 * shortly before it expires; the open sockets hear of it through `onRefreshed`. `baseUrl` is
 * empty in a page served by the server itself.
 */
export class Session implements SessionLink {
  readonly state = new Store<SessionState>({ token: null, user: null, expiresAt: null, problem: null });
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly refreshListeners = new Set<(token: string) => void>();
  private readonly endListeners = new Set<(userId: string) => void>();

  constructor(
    private readonly baseUrl = '',
    private readonly storage: SessionStorage | null = null,
  ) {
    const stored = storage?.load() ?? null;
    if (!stored) return;
    if (Date.parse(stored.expiresAt) <= Date.now()) {
      storage?.save(null);
      this.state.set({ ...this.state.get(), problem: refusalText[AuthFailure.Expired] });
      return;
    }
    this.adopt(stored);
  }

  get user(): User | null {
    return this.state.get().user;
  }

  token(): string | null {
    return this.state.get().token;
  }

  /** Signs in as `name`; false (with `state.problem` saying why) when refused. */
  async signIn(name: string): Promise<boolean> {
    const parsed = parsePayload(sessionCreateInput, { name });
    if (!parsed.ok) {
      this.setProblem(`Name ${parsed.issues[0]?.message ?? 'is not valid'}.`);
      return false;
    }
    this.setProblem(null);
    try {
      const response = await fetch(`${this.baseUrl}${HttpRoute.Sessions}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(parsed.value),
      });
      const body = (await response.json().catch(() => null)) as SessionCreated | Ack<never> | null;
      if (!response.ok || !body || !('token' in body)) {
        const reason =
          body && 'error' in body && !body.ok ? body.error.message : `the server answered ${response.status}`;
        this.setProblem(`Could not sign in: ${reason}.`);
        return false;
      }
      this.storage?.save(body);
      this.adopt(body);
      return true;
    } catch {
      this.setProblem('Could not reach the server. Check your connection and try again.');
      return false;
    }
  }

  /** Ends the session here; `onEnded` listeners delete what the user had queued. */
  signOut(problem: string | null = null): void {
    const user = this.state.get().user;
    this.storage?.save(null);
    this.clearRefresh();
    this.state.set({ token: null, user: null, expiresAt: null, problem });
    if (user) for (const listener of this.endListeners) listener(user.id);
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

  /** Calls `listener` with the user's id when the session ends (signed out, or refused). */
  onEnded(listener: (userId: string) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** Trades the current token for a fresh one of the same user, then tells the open sockets. */
  async refresh(): Promise<void> {
    const token = this.token();
    if (!token) return;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${HttpRoute.SessionRefresh}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
    } catch {
      this.scheduleRefresh(refreshRetryMs);
      return;
    }
    // Signed out, or signed in again, while the request was out: its answer is for nobody now.
    if (this.token() !== token) return;
    const body = (await response.json().catch(() => null)) as SessionCreated | Ack<never> | null;
    if (response.ok && body && 'token' in body) {
      this.storage?.save(body);
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

  /** Stops the refresh timer (the process is ending); the session stays stored. */
  stop(): void {
    this.clearRefresh();
  }

  private setProblem(problem: string | null): void {
    this.state.set({ ...this.state.get(), problem });
  }

  private adopt(session: SessionCreated): void {
    const held = this.state.get().user;
    // The same person keeps the same object, so nothing keyed on it starts over on a refresh.
    const user = held?.id === session.user.id ? held : session.user;
    this.state.set({ token: session.token, user, expiresAt: session.expiresAt, problem: null });
    this.scheduleRefresh();
  }

  /** Arms the refresh: by default shortly before expiry; `afterMs` to try again sooner. */
  private scheduleRefresh(afterMs?: number): void {
    this.clearRefresh();
    const { expiresAt } = this.state.get();
    if (!expiresAt) return;
    const remaining = Date.parse(expiresAt) - Date.now();
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
