import { Injectable } from '@nestjs/common';
import { AuthFailure } from '@tandem/contract';
import { TokenService, type TokenCheck } from './token.service.js';
import { UsersRepository } from './users.repository.js';

/**
 * The whole check of a bearer token, the same for a socket handshake, an in-band refresh and an
 * HTTP route: well-formed, signed, unexpired (TokenService), and, in the database, a user that
 * exists and a sign-in that was not revoked (signed out, or issued before a password change).
 * The database is read on every check, so a revocation holds on every node at once.
 */
@Injectable()
export class Authenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersRepository,
  ) {}

  async check(token: unknown): Promise<TokenCheck> {
    const check = this.tokens.verify(token);
    if (!check.ok) return check;
    const standing = await this.users.tokenStanding(check.user.id, check.sessionId);
    if (!standing) {
      return { ok: false, reason: AuthFailure.UnknownUser, message: 'the token names a user that does not exist' };
    }
    if (standing.sessionRevoked || check.issuedAt < standing.tokensValidFrom) {
      return {
        ok: false,
        reason: AuthFailure.Revoked,
        message: 'the session has ended (signed out, or the password was changed): sign in again',
      };
    }
    return check;
  }
}
