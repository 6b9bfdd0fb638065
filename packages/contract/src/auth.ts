import { z } from 'zod';
import { displayName, type User } from './common.js';

export const HttpRoute = {
  Sessions: '/api/sessions',
  Health: '/health',
} as const;

export const sessionCreateInput = z.strictObject({ name: displayName });
export type SessionCreateInput = z.infer<typeof sessionCreateInput>;

export interface SessionCreated {
  token: string;
  user: User;
  /** ISO time after which the token is refused. */
  expiresAt: string;
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
} as const;
export type AuthFailure = (typeof AuthFailure)[keyof typeof AuthFailure];

export interface AuthFailureData {
  code: 'UNAUTHORIZED';
  reason: AuthFailure;
  message: string;
}

export const handshakeAuth = z.object({ token: z.string().min(1).max(4096) });
