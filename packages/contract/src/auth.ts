import { z } from 'zod';
import { accountSignInInput } from './accounts.js';
import type { AckCallback, ErrorCode } from './ack.js';
import { displayName, type User } from './common.js';

export const HttpRoute = {
  Sessions: '/api/sessions',
  /** With `Authorization: Bearer <token>`: a fresh token for the same user (for `auth:refresh`). */
  SessionRefresh: '/api/sessions/refresh',
  /** `DELETE` with `Authorization: Bearer <token>`: signs out; the token's session is refused everywhere. */
  CurrentSession: '/api/sessions/current',
  /** `POST {username, password, name?}`: a new account, signed in. */
  Accounts: '/api/accounts',
  /** `POST {username, password, name?}` with a guest's bearer token: the guest becomes that account. */
  AccountClaim: '/api/accounts/claim',
  /** `PUT {currentPassword, newPassword}` with a bearer token. */
  AccountPassword: '/api/accounts/password',
  Health: '/health',
  /** 200 when the database (and Redis, when configured) answer; 503 otherwise. */
  Ready: '/health/ready',
  Metrics: '/metrics',
} as const;

/** A guest's sign-in: a new user of that display name each time. */
export const guestSignInInput = z.strictObject({ name: displayName });
export type GuestSignInInput = z.infer<typeof guestSignInInput>;

/** `POST /api/sessions`: as a guest (`{name}`) or to an account (`{username, password}`). */
export const sessionCreateInput = z.union([guestSignInInput, accountSignInInput], {
  error: 'send {name} to sign in as a guest, or {username, password} to sign in to an account',
});
export type SessionCreateInput = z.infer<typeof sessionCreateInput>;

export interface SessionCreated {
  token: string;
  user: User;
  /** ISO time after which the token is refused. */
  expiresAt: string;
  /** The account's username; null for a guest. */
  username: string | null;
}

/**
 * Why a handshake was refused: the `connect_error` message is one of these, and its `data`
 * carries `{ code: 'UNAUTHORIZED', reason, message }`.
 */
export const AuthFailure = {
  Missing: 'token_missing',
  Malformed: 'token_malformed',
  Invalid: 'token_invalid',
  Expired: 'token_expired',
  UnknownUser: 'user_unknown',
  /** Signed out, or the password changed since the token was issued. */
  Revoked: 'token_revoked',
} as const;
export type AuthFailure = (typeof AuthFailure)[keyof typeof AuthFailure];

export interface AuthFailureData {
  code: typeof ErrorCode.Unauthorized;
  reason: AuthFailure;
  message: string;
}

/** In-band session commands and events, on every namespace. */
export const AuthCommand = {
  /** `{token}` → `{expiresAt}`: replaces the socket's token without reconnecting. */
  Refresh: 'auth:refresh',
} as const;

export const AuthBroadcast = {
  /** Sent just before the server disconnects a socket whose token expired or was revoked. */
  Expired: 'auth:expired',
} as const;

export const authRefreshInput = z.strictObject({ token: z.string().min(1).max(4096) });
export type AuthRefreshInput = z.infer<typeof authRefreshInput>;
export interface AuthRefreshed {
  expiresAt: string;
}

/** Server lifecycle events, on every namespace. */
export const ServerBroadcast = {
  /** The server is shutting down: reconnect (with jitter) to reach another node or the restarted one. */
  Draining: 'server:draining',
} as const;
export interface ServerDraining {
  /** A suggested upper bound for the random delay before reconnecting. */
  reconnectWithinMs: number;
}

/** Session events every namespace's typed socket includes. */
export interface SessionServerEvents {
  [AuthBroadcast.Expired]: (payload: AuthFailureData) => void;
  [ServerBroadcast.Draining]: (payload: ServerDraining) => void;
}
export interface SessionClientEvents {
  [AuthCommand.Refresh]: (payload: AuthRefreshInput, ack: AckCallback<AuthRefreshed>) => void;
}
