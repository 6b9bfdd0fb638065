import { Inject, Injectable } from '@nestjs/common';
import {
  ErrorCode,
  badCredentialsMessage,
  type AccountClaimInput,
  type AccountCreateInput,
  type AccountSignInInput,
  type PasswordChangeInput,
  type SessionCreated,
  type User,
} from '@tandem/contract';
import type { Caller } from '../auth/bearer-auth.guard.js';
import { SessionRevocations } from '../auth/session-revocations.js';
import { TokenService, type TokenSubject } from '../auth/token.service.js';
import { UsersRepository } from '../auth/users.repository.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { AccountsRepository, usernameKey } from './accounts.repository.js';
import { PasswordHasher } from './password-hasher.js';
import { SignInLimiter } from './sign-in-limiter.js';

/**
 * Who a user is across devices: guests (a display name, a new user each time), accounts (a
 * username and password, the same user everywhere), a guest's claim of an account, sign-out and
 * password change (both revoke tokens on every node). `address` is the client's, for the limits.
 */
@Injectable()
export class AccountsService {
  private readonly tokenTtlMs: number;

  constructor(
    private readonly accounts: AccountsRepository,
    private readonly users: UsersRepository,
    private readonly tokens: TokenService,
    private readonly hasher: PasswordHasher,
    private readonly limiter: SignInLimiter,
    private readonly revocations: SessionRevocations,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.tokenTtlMs = config.tokenTtlSeconds * 1000;
  }

  async signInAsGuest(name: string): Promise<SessionCreated> {
    return this.session(await this.users.create(name), null);
  }

  async signUp(input: AccountCreateInput, address: string): Promise<SessionCreated> {
    this.limiter.take(address);
    const passwordHash = await this.hasher.hash(input.password);
    const user = await this.accounts.create(input.name ?? input.username, { username: input.username, passwordHash });
    return this.session(user, input.username);
  }

  /** The same answer, after the same work, for an unknown username and a wrong password. */
  async signIn(input: AccountSignInInput, address: string): Promise<SessionCreated> {
    this.limiter.take(address, usernameKey(input.username));
    const account = await this.accounts.byUsername(input.username);
    if (!(await this.hasher.matches(account?.passwordHash ?? null, input.password)) || !account?.username) {
      throw new DomainError(ErrorCode.Unauthorized, badCredentialsMessage);
    }
    return this.session(account.user, account.username);
  }

  /** The guest keeps their id (rooms, boards, lists, ownership) and their sign-in. */
  async claim({ session, address }: Caller, input: AccountClaimInput): Promise<SessionCreated> {
    this.limiter.take(address);
    const passwordHash = await this.hasher.hash(input.password);
    const user = await this.accounts.claim(session.user.id, { username: input.username, passwordHash });
    return this.session(user, input.username, session.sessionId);
  }

  /**
   * Every token issued before now is refused, on every device; the caller's sign-in continues with
   * the new token answered here (its open sockets take it with `auth:refresh`), every other
   * sign-in's open sockets are closed.
   */
  async changePassword({ session, address }: Caller, input: PasswordChangeInput): Promise<SessionCreated> {
    const account = await this.accounts.byId(session.user.id);
    if (!account?.username) {
      throw new DomainError(ErrorCode.Conflict, 'a guest has no password: choose a username and password first');
    }
    this.limiter.take(address, usernameKey(account.username));
    if (!(await this.hasher.matches(account.passwordHash, input.currentPassword))) {
      throw new DomainError(ErrorCode.Unauthorized, 'the current password is wrong', { field: 'currentPassword' });
    }
    const changedAt = new Date();
    await this.accounts.changePassword(account.user.id, await this.hasher.hash(input.newPassword), changedAt);
    this.revocations.announce({
      userId: account.user.id,
      issuedBefore: changedAt.getTime(),
      keptSessionId: session.sessionId,
    });
    return this.session(account.user, account.username, session.sessionId);
  }

  /** The token's sign-in is refused from now on, here and on every node; its open sockets are closed. */
  async signOut(session: TokenSubject): Promise<void> {
    // Every token of this sign-in was issued before now, so none outlives this row.
    const lastExpiry = new Date(Date.now() + this.tokenTtlMs);
    await this.accounts.revokeSession(session.sessionId, session.user.id, lastExpiry);
    this.revocations.announce({ userId: session.user.id, sessionId: session.sessionId });
  }

  /** A fresh token of the same sign-in (`auth:refresh`). */
  async refresh(session: TokenSubject): Promise<SessionCreated> {
    const account = await this.accounts.byId(session.user.id);
    return this.session(account?.user ?? session.user, account?.username ?? null, session.sessionId);
  }

  private session(user: User, username: string | null, sessionId?: string): SessionCreated {
    const { token, expiresAt } = this.tokens.issue(user, { sessionId });
    return { token, user, expiresAt: expiresAt.toISOString(), username };
  }
}
