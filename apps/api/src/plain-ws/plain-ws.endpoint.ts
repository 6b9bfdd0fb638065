import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PlainRoute } from '@tandem/contract';
import { WebSocketServer } from 'ws';
import { Broadcaster } from '../common/broadcaster.js';
import { isAllowedOrigin, maxFrameBytes } from '../common/tandem-io.adapter.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { PlainConnection } from './plain-connection.js';
import { BroadcastFrames } from './plain-frames.js';

/**
 * `/ws`, the plain WebSocket endpoint, on the HTTP server that serves everything else: upgrades
 * requests for its path (same origin rules and frame cap as Socket.IO), keeps connections alive
 * with pings, and closes them when the app stops.
 */
@Injectable()
export class PlainWsEndpoint implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly server = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrameBytes,
    perMessageDeflate: false,
  });
  private readonly connections = new Set<PlainConnection>();
  private readonly broadcasts = new BroadcastFrames();
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private readonly allowedOrigins: string[] | undefined;

  constructor(
    private readonly httpHost: HttpAdapterHost,
    private readonly broadcaster: Broadcaster,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.allowedOrigins = config.corsOrigin?.split(',');
  }

  onApplicationBootstrap(): void {
    this.httpServer().on('upgrade', this.onUpgrade);
    this.keepAliveTimer = setInterval(() => {
      for (const connection of this.connections) connection.keepAlive();
    }, this.config.plainWs.pingIntervalMs);
    this.keepAliveTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.keepAliveTimer);
    this.httpServer().off('upgrade', this.onUpgrade);
    for (const connection of this.connections) connection.close(1001, 'the server is shutting down');
    this.connections.clear();
    this.server.close();
  }

  private httpServer(): Server {
    return this.httpHost.httpAdapter.getHttpServer() as Server;
  }

  /** Socket.IO listens for upgrades too, and leaves alone paths that are not its own. */
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== PlainRoute) return;
    if (!isAllowedOrigin(request, this.allowedOrigins)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => {
      const connection = new PlainConnection(ws, request, {
        namespaces: () => this.broadcaster.openNamespaces(),
        authTimeoutMs: this.config.plainWs.authTimeoutMs,
        broadcasts: this.broadcasts,
      });
      this.connections.add(connection);
      ws.once('close', () => this.connections.delete(connection));
    });
  };
}
