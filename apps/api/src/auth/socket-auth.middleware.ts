import type { AuthFailureData } from '@tandem/contract';
import { AuthFailure, ErrorCode } from '@tandem/contract';
import type { ExtendedError, Socket } from 'socket.io';
import type { SocketData } from '../common/socket-user.decorator.js';
import type { TokenService } from './token.service.js';
import type { UsersRepository } from './users.repository.js';

export type SocketMiddleware = (socket: Socket, next: (error?: ExtendedError) => void) => void;

function refusal(reason: AuthFailureData['reason'], message: string): ExtendedError {
  const error: ExtendedError = new Error(reason);
  error.data = { code: ErrorCode.Unauthorized, reason, message } satisfies AuthFailureData;
  return error;
}

/**
 * Handshake authentication for every namespace: the token in `auth.token` must be well-formed,
 * signed with our secret, unexpired, and name a user that exists. The refusal's message is the
 * reason (`token_missing`, `token_malformed`, `token_invalid`, `token_expired`, `user_unknown`).
 */
export function socketAuthMiddleware(tokens: TokenService, users: UsersRepository): SocketMiddleware {
  return (socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const check = tokens.verify(auth?.token);
    if (!check.ok) {
      next(refusal(check.reason, check.message));
      return;
    }
    users.exists(check.user.id).then(
      (exists) => {
        if (!exists) {
          next(refusal(AuthFailure.UnknownUser, 'the token names a user that does not exist'));
          return;
        }
        const data: SocketData = { user: check.user, tokenExpiresAt: check.expiresAt };
        Object.assign(socket.data as object, data);
        next();
      },
      (error: unknown) => next(error instanceof Error ? error : new Error(String(error))),
    );
  };
}
