import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AuthFailure, rooms } from '@tandem/contract';
import type { Namespace } from 'socket.io';
import { Broadcaster } from '../common/broadcaster.js';
import type { SocketData } from '../common/socket-user.decorator.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { endSession } from './session-expiry.js';

/** Which of a user's open sockets a revocation ends. */
export type Revocation =
  | { userId: string; sessionId: string }
  /** A password change: every token issued before `issuedBefore`, except the changing sign-in's. */
  | { userId: string; issuedBefore: number; keptSessionId: string };

/** The server-to-server event that carries a revocation to the other nodes. */
const revokedEvent = 'session:revoked';

function isEnded(data: SocketData, revocation: Revocation): boolean {
  if ('sessionId' in revocation) return data.sessionId === revocation.sessionId;
  return data.tokenIssuedAt < revocation.issuedBefore && data.sessionId !== revocation.keptSessionId;
}

/**
 * Closes the open sockets of revoked sign-ins, on every node: each node ends its own sockets (told
 * `auth:expired` with `token_revoked`, as an expiry is told), and hears of the others' revocations
 * through the adapter's server-side events. New handshakes are refused by the database check
 * (`Authenticator`), so a node that missed the event still refuses the token.
 */
@Injectable()
export class SessionRevocations implements OnApplicationBootstrap {
  private readonly clustered: boolean;

  constructor(
    private readonly broadcaster: Broadcaster,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.clustered = config.redisUrl !== undefined;
  }

  onApplicationBootstrap(): void {
    if (!this.clustered) return;
    for (const namespace of this.broadcaster.openNamespaces()) {
      namespace.on(revokedEvent, (revocation: Revocation) => this.endLocal(namespace, revocation));
    }
  }

  announce(revocation: Revocation): void {
    for (const namespace of this.broadcaster.openNamespaces()) {
      this.endLocal(namespace, revocation);
      if (this.clustered) namespace.serverSideEmit(revokedEvent, revocation);
    }
  }

  private endLocal(namespace: Namespace, revocation: Revocation): void {
    // Every socket is in its user's room (see app.ts): only that user's sockets are looked at.
    const socketIds = namespace.adapter.rooms.get(rooms.user(revocation.userId));
    for (const socketId of [...(socketIds ?? [])]) {
      const socket = namespace.sockets.get(socketId);
      if (socket && isEnded(socket.data as SocketData, revocation)) {
        endSession(socket, AuthFailure.Revoked, 'the session has ended (signed out, or the password was changed)');
      }
    }
  }
}
