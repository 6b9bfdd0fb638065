import {
  AuthFailure,
  HttpRoute,
  parsePayload,
  sessionCreateInput,
  type Ack,
  type SessionCreated,
  type User,
} from '@tandem/contract';

const storageKey = 'tandem.session';

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

/** Who is signed in: a display name traded for a signed token, both kept in localStorage. */
export class SessionManager {
  token = $state<string | null>(null);
  user = $state<User | null>(null);
  expiresAt = $state<string | null>(null);
  signingIn = $state(false);
  /** Why the user is looking at the sign-in form: a refused sign-in, or a dropped session. */
  problem = $state<string | null>(null);

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
        const reason = body && 'error' in body && !body.ok ? body.error.message : `the server answered ${response.status}`;
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

  signOut(problem: string | null = null): void {
    localStorage.removeItem(storageKey);
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

  private adopt(session: SessionCreated): void {
    this.token = session.token;
    this.user = session.user;
    this.expiresAt = session.expiresAt;
  }
}

export const session = new SessionManager();
