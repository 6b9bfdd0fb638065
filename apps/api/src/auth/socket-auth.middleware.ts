import type { AuthFailureData } from '@tandem/contract';
import { ErrorCode } from '@tandem/contract';
import type { ExtendedError, Socket } from 'socket.io';
import type { SocketData } from '../common/socket-user.decorator.js';
import type { Authenticator } from './authenticator.js';

export type SocketMiddleware = (socket: Socket, next: (error?: ExtendedError) => void) => void;

function refusal(reason: AuthFailureData['reason'], message: string): ExtendedError {
  const error: ExtendedError = new Error(reason);
  error.data = { code: ErrorCode.Unauthorized, reason, message } satisfies AuthFailureData;
  return error;
}

/**
 * Handshake authentication for every namespace: the token in `auth.token` must be well-formed,
 * signed with our secret, unexpired, name a user that exists, and not be revoked. The refusal's
 * message is the reason (`token_missing`, `token_malformed`, `token_invalid`, `token_expired`,
 * `user_unknown`, `token_revoked`).
 */
const admitted = Object.freeze({});

export function socketAuthMiddleware(authenticator: Authenticator): SocketMiddleware {
  return (socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    authenticator.check(auth?.token).then(
      (check) => {
        if (!check.ok) {
          next(refusal(check.reason, check.message));
          return;
        }
        const data: SocketData = {
          user: check.user,
          sessionId: check.sessionId,
          tokenIssuedAt: check.issuedAt,
          tokenExpiresAt: check.expiresAt,
        };
        Object.assign(socket.data as object, data);
        // The token has done its work: kept, it would be a copy per socket for the socket's life
        // (and in the Admin UI's view of the handshake); `auth:refresh` brings its own.
        socket.handshake.auth = admitted;
        next();
      },
      (error: unknown) => next(error instanceof Error ? error : new Error(String(error))),
    );
  };
}
