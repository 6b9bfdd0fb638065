import {
  Injectable,
  UnauthorizedException,
  createParamDecorator,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { AuthFailure, ErrorCode, type User } from '@tandem/contract';
import type { Request, Response } from 'express';
import { TokenService } from './token.service.js';
import { UsersRepository } from './users.repository.js';

type AuthenticatedRequest = Request & { user?: User };

/**
 * HTTP routes for scripts: `Authorization: Bearer <token>`, the same token and the same checks as
 * a socket handshake. A refusal is a 401 whose body has the shape of a failed ack.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const response = http.getResponse<Response>();
    const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    const check = this.tokens.verify(token);
    if (!check.ok) {
      throw refusal(response, check.reason, token ? check.message : 'no token: send "Authorization: Bearer <token>"');
    }
    if (!(await this.users.exists(check.user.id))) {
      throw refusal(response, AuthFailure.UnknownUser, 'the token names a user that does not exist');
    }
    request.user = check.user;
    return true;
  }
}

function refusal(response: Response, reason: AuthFailure, message: string): UnauthorizedException {
  response.setHeader('WWW-Authenticate', 'Bearer');
  return new UnauthorizedException({
    ok: false,
    error: { code: ErrorCode.Unauthorized, message, details: { reason } },
  });
}

/** The user that `BearerAuthGuard` authenticated. */
export const RequestUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): User =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().user as User,
);
