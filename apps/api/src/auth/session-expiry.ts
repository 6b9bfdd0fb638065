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
import type { SocketData } from '../common/socket-user.decorator.js';
import { Authenticator } from './authenticator.js';

/** setTimeout's ceiling; longer expiries are re-armed when it fires. */
const maxTimerMs = 2 ** 31 - 1;

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

  /** Each live socket's expiry timer. */
  private readonly timers = new Map<Socket, NodeJS.Timeout>();

  attach(socket: Socket): void {
    this.arm(socket);
    // Listeners shared by every socket (Socket.IO calls them with the socket as `this`).
    socket.on('disconnect', this.onDisconnect);
    socket.on(AuthCommand.Refresh, this.onRefresh);
  }

  private arm(socket: Socket): void {
    clearTimeout(this.timers.get(socket));
    const remaining = (socket.data as SocketData).tokenExpiresAt - Date.now();
    this.timers.set(socket, setTimeout(this.expire, Math.max(0, Math.min(remaining, maxTimerMs)), socket));
  }

  private readonly expire = (socket: Socket): void => {
    this.timers.delete(socket);
    if ((socket.data as SocketData).tokenExpiresAt > Date.now()) return this.arm(socket);
    endSession(socket, AuthFailure.Expired, 'the token has expired: sign in again');
  };

  private readonly onDisconnect = ((expiry: SessionExpiry) =>
    function (this: Socket): void {
      clearTimeout(expiry.timers.get(this));
      expiry.timers.delete(this);
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
          if (response.ok && this.connected) expiry.arm(this);
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
