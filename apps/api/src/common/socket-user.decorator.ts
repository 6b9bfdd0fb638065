import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { User } from '@tandem/contract';
import type { Socket } from 'socket.io';

/** What the handshake middleware established about a socket. */
export interface SocketData {
  user: User;
  /** Token expiry, in ms since the epoch. */
  tokenExpiresAt: number;
}

export function socketUser(socket: Socket): User {
  return (socket.data as SocketData).user;
}

/** The authenticated user of the socket that sent the command (never a payload field). */
export const SocketUser = createParamDecorator((_: unknown, context: ExecutionContext): User =>
  socketUser(context.switchToWs().getClient<Socket>()),
);
