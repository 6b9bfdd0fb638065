import {
  AuthFailure,
  HttpRoute,
  guestSignInInput,
  parsePayload,
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

/** A server's message as a sentence: "wrong username or password" → "Wrong username or password". */
function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

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
  /** The account's username; null for a guest (and when signed out). */
  username: string | null;
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
  readonly state = new Store<SessionState>({ token: null, user: null, username: null, expiresAt: null, problem: null });
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

  /** Signs in as a guest named `name`; false (with `state.problem` saying why) when refused. */
  async signIn(name: string): Promise<boolean> {
    const parsed = parsePayload(guestSignInInput, { name });
    if (!parsed.ok) {
      this.setProblem(`Name ${parsed.issues[0]?.message ?? 'is not valid'}.`);
      return false;
    }
    return (await this.obtain('POST', HttpRoute.Sessions, parsed.value)) === null;
  }

  /** Signs in to an account; null when signed in, else why not (also in `state.problem`). */
  signInToAccount(username: string, password: string): Promise<string | null> {
    return this.obtain('POST', HttpRoute.Sessions, { username, password });
  }

  /** Creates an account and signs in to it; null when done, else why not. */
  signUp(username: string, password: string, name?: string): Promise<string | null> {
    return this.obtain('POST', HttpRoute.Accounts, { username, password, ...(name ? { name } : {}) });
  }

  /** The signed-in guest becomes an account: same user, same rooms. Null when done, else why not. */
  claim(username: string, password: string): Promise<string | null> {
    return this.obtain('POST', HttpRoute.AccountClaim, { username, password }, { signedIn: true });
  }

  /**
   * Changes the password; every other sign-in of the account ends. This one carries on with the
   * new token, handed to the open sockets as a refresh. Null when done, else why not.
   */
  changePassword(currentPassword: string, newPassword: string): Promise<string | null> {
    return this.obtain('PUT', HttpRoute.AccountPassword, { currentPassword, newPassword }, { signedIn: true });
  }

  /**
   * Sends a session request; on success adopts the answer (and, signed in already, tells the open
   * sockets of the new token). A refusal is returned, and kept in `state.problem` unless the
   * request was made while signed in (the view that asked shows it).
   */
  private async obtain(
    method: 'POST' | 'PUT',
    route: string,
    body: unknown,
    { signedIn = false }: { signedIn?: boolean } = {},
  ): Promise<string | null> {
    const token = this.token();
    if (!signedIn) this.setProblem(null);
    let problem: string;
    try {
      const response = await fetch(`${this.baseUrl}${route}`, {
        method,
        headers: {
          'content-type': 'application/json',
          ...(signedIn && token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      const answer = (await response.json().catch(() => null)) as SessionCreated | Ack<never> | null;
      if (response.ok && answer && 'token' in answer) {
        this.storage?.save(answer);
        this.adopt(answer);
        if (signedIn) for (const listener of this.refreshListeners) listener(answer.token);
        return null;
      }
      problem = `${answer && 'error' in answer && !answer.ok ? sentence(answer.error.message) : `The server answered ${response.status}`}.`;
    } catch {
      problem = 'Could not reach the server. Check your connection and try again.';
    }
    if (!signedIn) this.setProblem(problem);
    return problem;
  }

  /**
   * Ends the session here, and on the server (its token is revoked, best effort: offline, it
   * simply runs out); `onEnded` listeners delete what the user had queued.
   */
  signOut(problem: string | null = null): void {
    const { user, token } = this.state.get();
    if (token && problem === null) {
      void fetch(`${this.baseUrl}${HttpRoute.CurrentSession}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      }).catch(() => undefined);
    }
    this.storage?.save(null);
    this.clearRefresh();
    this.state.set({ token: null, user: null, username: null, expiresAt: null, problem });
    if (user) for (const listener of this.endListeners) listener(user.id);
  }

  /** The socket was refused: a reason the token will never get past is the end of this session. */
  refused(reason: string): boolean {
    if (!isAuthFailure(reason)) return false;
    // Signed out here already: the server closing this session's sockets says nothing new.
    if (this.token() === null) return true;
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
    this.state.set({
      token: session.token,
      user,
      username: session.username ?? null,
      expiresAt: session.expiresAt,
      problem: null,
    });
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
