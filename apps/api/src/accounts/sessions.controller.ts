import { Controller, Delete, HttpCode, Ip, UseGuards } from '@nestjs/common';
import { HttpRoute, sessionCreateInput, type SessionCreateInput, type SessionCreated } from '@tandem/contract';
import { BearerAuthGuard, RequestSession } from '../auth/bearer-auth.guard.js';
import type { TokenSubject } from '../auth/token.service.js';
import { ContractBody } from '../common/validated-body.pipe.js';
import { AccountsService } from './accounts.service.js';
import { IssuesSession } from './issues-session.decorator.js';

/**
 * Sign-in: as a guest by display name (each a new user: the token, not the name, is identity), or
 * to an account by username and password (the same user from any device). Sign-out revokes.
 */
@Controller()
export class SessionsController {
  constructor(private readonly accounts: AccountsService) {}

  @IssuesSession(HttpRoute.Sessions)
  create(@ContractBody(sessionCreateInput) input: SessionCreateInput, @Ip() address: string): Promise<SessionCreated> {
    return 'name' in input ? this.accounts.signInAsGuest(input.name) : this.accounts.signIn(input, address);
  }

  /** A new token for the bearer's sign-in, before the old one expires: sent in-band with `auth:refresh`. */
  @IssuesSession(HttpRoute.SessionRefresh)
  @UseGuards(BearerAuthGuard)
  refresh(@RequestSession() session: TokenSubject): Promise<SessionCreated> {
    return this.accounts.refresh(session);
  }

  @Delete(HttpRoute.CurrentSession)
  @HttpCode(204)
  @UseGuards(BearerAuthGuard)
  async signOut(@RequestSession() session: TokenSubject): Promise<void> {
    await this.accounts.signOut(session);
  }
}
