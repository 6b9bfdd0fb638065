import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HttpRoute } from '@tandem/contract';
import { RedisLifecycle } from '../common/redis.js';
import { DatabaseService } from '../db/database.service.js';

@Controller()
export class HealthController {
  constructor(
    private readonly database: DatabaseService,
    private readonly redis: RedisLifecycle,
  ) {}

  /** 200 once the server accepts connections and the database answers. */
  @Get(HttpRoute.Health)
  async health(): Promise<{ status: 'ok'; database: 'ok'; uptimeSeconds: number }> {
    try {
      await this.database.ping();
    } catch {
      throw new ServiceUnavailableException({ status: 'unavailable', database: 'unreachable' });
    }
    return { status: 'ok', database: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  /** 200 when every dependency answers (the database, and Redis when configured), else 503. */
  @Get(HttpRoute.Ready)
  async ready(): Promise<{ status: 'ready'; database: 'ok'; redis: 'ok' | 'not configured' }> {
    const [database, redis] = await Promise.allSettled([this.database.ping(), this.redis.ping()]);
    if (database.status === 'rejected' || redis.status === 'rejected') {
      throw new ServiceUnavailableException({
        status: 'not ready',
        database: database.status === 'fulfilled' ? 'ok' : 'unreachable',
        redis: redis.status === 'fulfilled' ? redis.value : 'unreachable',
      });
    }
    return { status: 'ready', database: 'ok', redis: redis.value };
  }
}
