import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer, type OnGatewayInit } from '@nestjs/websockets';
import { ErrorCode, OpsBroadcast, OpsNamespace, type OpsServerEvents } from '@tandem/contract';
import type { Namespace } from 'socket.io';
import { socketUser } from '../common/socket-user.decorator.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { Operators } from './operators.js';
import { OpsStats } from './ops-stats.js';

/** How often each node pushes its figures. */
export const opsIntervalMs = 1_000;

/**
 * `/ops`: operators only (any other user's handshake is refused with `FORBIDDEN`), and no
 * commands. Every node pushes its figures once a second; through the cluster adapter an operator
 * connected to any node hears every node. A lone node skips the work while no operator watches.
 */
@WebSocketGateway({ namespace: OpsNamespace })
export class OpsGateway implements OnGatewayInit, OnModuleDestroy {
  @WebSocketServer() private readonly server!: Namespace<Record<string, never>, OpsServerEvents>;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly clustered: boolean;
  private readonly logger = new Logger('Ops');

  constructor(
    private readonly operators: Operators,
    private readonly stats: OpsStats,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.clustered = config.redisUrl !== undefined;
  }

  afterInit(server: Namespace): void {
    // After the handshake's authentication (the adapter adds it first): the user is known.
    server.use((socket, next) => {
      this.operators.includes(socketUser(socket)).then(
        (allowed) => {
          if (allowed) return next();
          const refusal = new Error('FORBIDDEN') as Error & { data?: unknown };
          refusal.data = { code: ErrorCode.Forbidden, message: 'the operations view is for operators only' };
          next(refusal);
        },
        (error: unknown) => next(error instanceof Error ? error : new Error(String(error))),
      );
    });
    this.timer = setInterval(() => void this.push(), opsIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async push(): Promise<void> {
    if (!this.clustered && this.server.sockets.size === 0) return;
    try {
      this.server.emit(OpsBroadcast.Stats, await this.stats.collect([this.server as unknown as Namespace]));
    } catch (error) {
      this.logger.warn(`figures not pushed: ${String(error)}`);
    }
  }
}
