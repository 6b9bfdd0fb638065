import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthFailure, User } from '@tandem/contract';
import type { Socket } from 'socket.io';

/** What the handshake middleware established about a socket. */
export interface SocketData {
  user: User;
  /** The sign-in of the token (see `TokenService`): what a sign-out closes. */
  sessionId: string;
  /** Token issue and expiry, in ms since the epoch. */
  tokenIssuedAt: number;
  tokenExpiresAt: number;
  /** Set when the server ends the socket's session: why (expired, or revoked). */
  endedBy?: AuthFailure;
}

export function socketUser(socket: Socket): User {
  return (socket.data as SocketData).user;
}

/**
 * Factories of parameter decorators whose value is read from the socket alone: a handler the
 * socket adapter calls directly (see `directInvoke`) gets it without an execution context.
 */
export const readFromSocket = new WeakMap<object, (socket: Socket) => unknown>();

const userOf = (_: unknown, context: ExecutionContext): User => socketUser(context.switchToWs().getClient<Socket>());
readFromSocket.set(userOf, socketUser);

/** The authenticated user of the socket that sent the command (never a payload field). */
export const SocketUser = createParamDecorator(userOf);
