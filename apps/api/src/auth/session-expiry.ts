import { Injectable } from '@nestjs/common';
import {
  AuthBroadcast,
  AuthCommand,
  AuthFailure,
  ErrorCode,
  authRefreshInput,
  parsePayload,
  type Ack,
  type AuthFailureData,
  type AuthRefreshed,
} from '@tandem/contract';
import type { Socket } from 'socket.io';
import { Deadlines } from '../common/deadlines.js';
import type { SocketData } from '../common/socket-user.decorator.js';
import { Authenticator } from './authenticator.js';

/** Tells the socket why its session is over (`auth:expired`), then disconnects it. */
export function endSession(socket: Socket, reason: AuthFailureData['reason'], message: string): void {
  (socket.data as SocketData).endedBy = reason;
  const ended: AuthFailureData = { code: ErrorCode.Unauthorized, reason, message };
  socket.emit(AuthBroadcast.Expired, ended);
  socket.disconnect(true);
}

/**
 * Keeps a live socket within its token's lifetime: at expiry it is told `auth:expired` and
 * disconnected; before that, `auth:refresh {token}` (a new token for the same user) moves the
 * expiry without a reconnect. Attached to every socket of every namespace.
 */
@Injectable()
export class SessionExpiry {
  constructor(private readonly authenticator: Authenticator) {}

  /** Every live socket's expiry, on one timer. */
  private readonly expiries = new Deadlines<Socket>(
    (socket) => (socket.data as SocketData).tokenExpiresAt,
    (socket) => endSession(socket, AuthFailure.Expired, 'the token has expired: sign in again'),
  );

  attach(socket: Socket): void {
    this.expiries.add(socket);
    // Listeners shared by every socket (Socket.IO calls them with the socket as `this`).
    socket.on('disconnect', this.onDisconnect);
    socket.on(AuthCommand.Refresh, this.onRefresh);
  }

  private readonly onDisconnect = ((expiry: SessionExpiry) =>
    function (this: Socket): void {
      expiry.expiries.delete(this);
    })(this);

  private readonly onRefresh = ((expiry: SessionExpiry) =>
    function (this: Socket, payload: unknown, ack?: (response: Ack<AuthRefreshed>) => void): void {
      void expiry
        .refresh(this.data as SocketData, payload)
        .catch((): Ack<AuthRefreshed> => ({
          ok: false,
          error: { code: ErrorCode.Unavailable, message: 'the token could not be checked now: retry' },
        }))
        .then((response) => {
          if (response.ok && this.connected) expiry.expiries.add(this);
          if (typeof ack === 'function') ack(response);
        });
    })(this);

  private async refresh(data: SocketData, payload: unknown): Promise<Ack<AuthRefreshed>> {
    const input = parsePayload(authRefreshInput, payload);
    if (!input.ok) {
      return {
        ok: false,
        error: {
          code: ErrorCode.Validation,
          message: 'invalid auth:refresh payload',
          details: { issues: input.issues },
        },
      };
    }
    const check = await this.authenticator.check(input.value.token);
    if (!check.ok)
      return {
        ok: false,
        error: { code: ErrorCode.Unauthorized, message: check.message, details: { reason: check.reason } },
      };
    if (check.user.id !== data.user.id) {
      return { ok: false, error: { code: ErrorCode.Forbidden, message: 'the new token is for another user' } };
    }
    data.sessionId = check.sessionId;
    data.tokenIssuedAt = check.issuedAt;
    data.tokenExpiresAt = check.expiresAt;
    return { ok: true, data: { expiresAt: new Date(check.expiresAt).toISOString() } };
  }
}
