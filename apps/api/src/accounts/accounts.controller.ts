import { Body, Controller, HttpCode, Ip, Post, Put, UseGuards } from '@nestjs/common';
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
import { ValidatedBody } from '../common/validated-body.pipe.js';
import { AccountsService } from './accounts.service.js';

/** Sign-up, a guest's claim of an account, password change; each answers with a session. */
@Controller()
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post(HttpRoute.Accounts)
  @HttpCode(201)
  signUp(
    @Body(new ValidatedBody(accountCreateInput)) input: AccountCreateInput,
    @Ip() address: string,
  ): Promise<SessionCreated> {
    return this.accounts.signUp(input, address);
  }

  @Post(HttpRoute.AccountClaim)
  @HttpCode(201)
  @UseGuards(BearerAuthGuard)
  claim(
    @RequestSession() session: TokenSubject,
    @Body(new ValidatedBody(accountClaimInput)) input: AccountClaimInput,
    @Ip() address: string,
  ): Promise<SessionCreated> {
    return this.accounts.claim(session, input, address);
  }

  @Put(HttpRoute.AccountPassword)
  @UseGuards(BearerAuthGuard)
  changePassword(
    @RequestSession() session: TokenSubject,
    @Body(new ValidatedBody(passwordChangeInput)) input: PasswordChangeInput,
    @Ip() address: string,
  ): Promise<SessionCreated> {
    return this.accounts.changePassword(session, input, address);
  }
}
