import { setImmediate as checkPhase } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { ServerBroadcast, type ServerDraining } from '@tandem/contract';
import { DatabaseService } from '../db/database.service.js';
import { Broadcaster } from './broadcaster.js';

/**
 * Graceful shutdown: once draining, new commands are refused, every client is told
 * `server:draining` (so it reconnects elsewhere, with jitter), and the writes already queued
 * commit and are acked before the process closes its sockets and database.
 */
@Injectable()
export class ServerLifecycle {
  private readonly logger = new Logger(ServerLifecycle.name);
  private draining = false;
  private reconnectWithinMs = 0;

  constructor(
    private readonly broadcaster: Broadcaster,
    private readonly database: DatabaseService,
  ) {}

  get isDraining(): boolean {
    return this.draining;
  }

  /** While draining: how long a refused client should wait before retrying (on the node it reaches next). */
  get retryAfterMs(): number {
    return this.reconnectWithinMs;
  }

  async drain(reconnectWithinMs = 3_000): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.reconnectWithinMs = reconnectWithinMs;
    this.logger.log('draining: refusing new commands, finishing queued writes');
    this.broadcaster.toEveryone(ServerBroadcast.Draining, { reconnectWithinMs } satisfies ServerDraining);
    await this.database.idle();
    // Packets held for the loop's check phase (coalesced writes), the notice among them, reach the
    // TCP sockets there: closing the connections before would drop them.
    await checkPhase();
  }
}
