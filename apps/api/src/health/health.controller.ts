import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HttpRoute } from '@tandem/contract';
import { DatabaseService } from '../db/database.service.js';

@Controller()
export class HealthController {
  constructor(private readonly database: DatabaseService) {}

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
}
