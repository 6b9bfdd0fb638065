import {
  Injectable,
  UnauthorizedException,
  createParamDecorator,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { AuthFailure, ErrorCode, type User } from '@tandem/contract';
import type { Request, Response } from 'express';
import { Authenticator } from './authenticator.js';
import type { TokenSubject } from './token.service.js';

type AuthenticatedRequest = Request & { session?: TokenSubject };

/**
 * HTTP routes for scripts: `Authorization: Bearer <token>`, the same token and the same checks as
 * a socket handshake. A refusal is a 401 whose body has the shape of a failed ack.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly authenticator: Authenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const response = http.getResponse<Response>();
    const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    const check = await this.authenticator.check(token);
    if (!check.ok) {
      const message =
        check.reason === AuthFailure.Missing ? 'no token: send "Authorization: Bearer <token>"' : check.message;
      throw refusal(response, check.reason, message);
    }
    request.session = check;
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

/** The token that `BearerAuthGuard` accepted: its user, sign-in and times. */
export const RequestSession = createParamDecorator(
  (_: unknown, context: ExecutionContext): TokenSubject =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().session as TokenSubject,
);

/** The user that `BearerAuthGuard` authenticated. */
export const RequestUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): User =>
    (context.switchToHttp().getRequest<AuthenticatedRequest>().session as TokenSubject).user,
);

/** Who calls a signed-in route: the token `BearerAuthGuard` accepted, and the client's address (for the limits). */
export interface Caller {
  session: TokenSubject;
  address: string;
}

/** The `Caller` of a route guarded by `BearerAuthGuard`. */
export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return { session: request.session as TokenSubject, address: request.ip as string };
});
