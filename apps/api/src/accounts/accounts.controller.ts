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
import { BearerAuthGuard, Caller } from '../auth/bearer-auth.guard.js';
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
  claim(@Caller() caller: Caller, @ContractBody(accountClaimInput) input: AccountClaimInput): Promise<SessionCreated> {
    return this.accounts.claim(caller, input);
  }

  @Put(HttpRoute.AccountPassword)
  @UseGuards(BearerAuthGuard)
  changePassword(
    @Caller() caller: Caller,
    @ContractBody(passwordChangeInput) input: PasswordChangeInput,
  ): Promise<SessionCreated> {
    return this.accounts.changePassword(caller, input);
  }
}
