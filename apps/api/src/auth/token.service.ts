import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { AuthFailure, type User } from '@tandem/contract';
import { APP_CONFIG, type AppConfig } from '../config.js';

interface TokenClaims {
  sub: string;
  name: string;
  /** Expiry, in seconds since the epoch. */
  exp: number;
  /** The sign-in this token belongs to, kept by its refreshes: what a sign-out revokes. */
  sid?: string;
  /** When it was issued, in ms since the epoch: a password change refuses every earlier token. */
  iat?: number;
}

/** What a valid token says: who, which sign-in, issued and expiring when (ms since the epoch). */
export interface TokenSubject {
  user: User;
  sessionId: string;
  issuedAt: number;
  expiresAt: number;
}

export type TokenCheck = ({ ok: true } & TokenSubject) | { ok: false; reason: AuthFailure; message: string };

const secretFileName = 'token-secret';

/** At most this many checked tokens are kept; past it, all are dropped. */
const signedKept = 10_000;

/**
 * Signed bearer tokens: `base64url(claims).base64url(HMAC-SHA256(claims))`. The secret comes from
 * TOKEN_SECRET, or is generated once and kept beside the database so restarts keep sessions.
 */
@Injectable()
export class TokenService {
  private readonly secret: Buffer;
  private readonly ttlSeconds: number;
  /**
   * Tokens whose signature matched, with what they say: one sent again (every request of a script,
   * every handshake of a client) is not signed again; its expiry is checked every time.
   */
  private readonly signed = new Map<string, TokenSubject>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.secret = Buffer.from(config.tokenSecret ?? readOrCreateSecret(config.dataDir));
    this.ttlSeconds = config.tokenTtlSeconds;
  }

  /** A token of a new sign-in, or (given `sessionId`) a refreshed one of the same sign-in. */
  issue(
    user: User,
    { sessionId = randomUUID(), ttlSeconds = this.ttlSeconds }: { sessionId?: string; ttlSeconds?: number } = {},
  ): { token: string; expiresAt: Date } {
    const now = Date.now();
    const exp = Math.floor(now / 1000) + ttlSeconds;
    const claims: TokenClaims = { sub: user.id, name: user.name, exp, sid: sessionId, iat: now };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, expiresAt: new Date(exp * 1000) };
  }

  verify(token: unknown): TokenCheck {
    if (typeof token !== 'string' || token.length === 0) {
      return { ok: false, reason: AuthFailure.Missing, message: 'no token: sign in first (POST /api/sessions)' };
    }
    let subject = this.signed.get(token);
    if (!subject) {
      const checked = this.checkSignature(token);
      if (!('sessionId' in checked)) return checked;
      if (this.signed.size >= signedKept) this.signed.clear();
      this.signed.set(token, (subject = checked));
    }
    if (subject.expiresAt <= Date.now()) {
      return { ok: false, reason: AuthFailure.Expired, message: 'the token has expired: sign in again' };
    }
    const { user, sessionId, issuedAt, expiresAt } = subject;
    return { ok: true, user: { id: user.id, name: user.name }, sessionId, issuedAt, expiresAt };
  }

  /** What a well-formed token whose signature matches says, or why it is refused (its expiry aside). */
  private checkSignature(token: string): TokenSubject | { ok: false; reason: AuthFailure; message: string } {
    const [payload, signature, ...rest] = token.split('.');
    const claims = payload !== undefined && signature !== undefined && rest.length === 0 ? parseClaims(payload) : null;
    if (!claims || payload === undefined || signature === undefined) {
      return { ok: false, reason: AuthFailure.Malformed, message: 'the token is not a Tandem token' };
    }
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: AuthFailure.Invalid, message: 'the token signature does not match' };
    }
    return {
      user: { id: claims.sub, name: claims.name },
      // Tokens issued before sessions had ids: their signature names their sign-in.
      sessionId: claims.sid ?? `unnamed-${signature.slice(0, 22)}`,
      issuedAt: claims.iat ?? 0,
      expiresAt: claims.exp * 1000,
    };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}

function parseClaims(body: string): TokenClaims | null {
  try {
    const value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<TokenClaims> | null;
    if (
      value &&
      typeof value.sub === 'string' &&
      typeof value.name === 'string' &&
      Number.isInteger(value.exp) &&
      (value.sid === undefined || typeof value.sid === 'string') &&
      (value.iat === undefined || Number.isInteger(value.iat))
    ) {
      return value as TokenClaims;
    }
    return null;
  } catch {
    return null;
  }
}

function readOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, secretFileName);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  return secret;
}
