import { Logger } from '@nestjs/common';
import type { RedisClient } from '../common/redis.js';

/** How long an Admin UI session stays valid without a new sign-in. */
const sessionSeconds = 24 * 3600;

/**
 * The Admin UI's sessions in Redis, so that a UI reconnecting to another node stays signed in.
 * The package's own `RedisStore` expects a callback-style client; Tandem's is node-redis 5. (The
 * package does not export its `Store` base class: this one has the same two methods.)
 */
export class RedisSessionStore {
  private readonly logger = new Logger('AdminUi');

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {}

  async doesSessionExist(sessionId: string): Promise<boolean> {
    return (await this.client.exists(`${this.prefix}${sessionId}`)) === 1;
  }

  saveSession(sessionId: string): void {
    this.client
      .set(`${this.prefix}${sessionId}`, '1', { EX: sessionSeconds })
      .catch((error: unknown) => this.logger.warn(`an Admin UI session was not saved: ${String(error)}`));
  }
}
