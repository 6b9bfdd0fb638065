import { Controller, Ip, Put, UseGuards } from '@nestjs/common';
import {
  HttpRoute,
  accountClaimInput,
  accountCreateInput,
  passwordChangeInput,
  type AccountClaimInput,
  type AccountCreateInput,
  type PasswordChangeInput,
  type SessionCreated,
} from '@tandem/contract';
import { BearerAuthGuard, RequestSession } from '../auth/bearer-auth.guard.js';
import type { TokenSubject } from '../auth/token.service.js';
import { ContractBody } from '../common/validated-body.pipe.js';
import { AccountsService } from './accounts.service.js';
import { IssuesSession } from './issues-session.decorator.js';

/** Sign-up, a guest's claim of an account, password change; each answers with a session. */
@Controller()
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @IssuesSession(HttpRoute.Accounts)
  signUp(@ContractBody(accountCreateInput) input: AccountCreateInput, @Ip() address: string): Promise<SessionCreated> {
    return this.accounts.signUp(input, address);
  }

  @IssuesSession(HttpRoute.AccountClaim)
  @UseGuards(BearerAuthGuard)
  claim(
    @RequestSession() session: TokenSubject,
    @ContractBody(accountClaimInput) input: AccountClaimInput,
    @Ip() address: string,
  ): Promise<SessionCreated> {
    return this.accounts.claim(session, input, address);
  }

  @Put(HttpRoute.AccountPassword)
  @UseGuards(BearerAuthGuard)
  changePassword(
    @RequestSession() session: TokenSubject,
    @ContractBody(passwordChangeInput) input: PasswordChangeInput,
    @Ip() address: string,
  ): Promise<SessionCreated> {
    return this.accounts.changePassword(session, input, address);
  }
}
