import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  HttpRoute,
  sessionCreateInput,
  type SessionCreateInput,
  type SessionCreated,
  type User,
} from '@tandem/contract';
import { ValidatedBody } from '../common/validated-body.pipe.js';
import { BearerAuthGuard, RequestUser } from './bearer-auth.guard.js';
import { TokenService } from './token.service.js';
import { UsersRepository } from './users.repository.js';

/** Sign-in by display name: every sign-in is a new user; the token, not the name, is identity. */
@Controller()
export class SessionsController {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: TokenService,
  ) {}

  @Post(HttpRoute.Sessions)
  @HttpCode(201)
  async create(@Body(new ValidatedBody(sessionCreateInput)) input: SessionCreateInput): Promise<SessionCreated> {
    const user = await this.users.create(input.name);
    const { token, expiresAt } = this.tokens.issue(user);
    return { token, user, expiresAt: expiresAt.toISOString() };
  }

  /** A new token for the bearer's user, before the old one expires: sent in-band with `auth:refresh`. */
  @Post(HttpRoute.SessionRefresh)
  @HttpCode(201)
  @UseGuards(BearerAuthGuard)
  refresh(@RequestUser() user: User): SessionCreated {
    const { token, expiresAt } = this.tokens.issue(user);
    return { token, user, expiresAt: expiresAt.toISOString() };
  }
}
