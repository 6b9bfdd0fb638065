import { Module, type DynamicModule } from '@nestjs/common';
import { AccountsModule } from './accounts/accounts.module.js';
import { AuthModule } from './auth/auth.module.js';
import { Broadcaster } from './common/broadcaster.js';
import { CommandDoor } from './common/command-door.js';
import { RateLimiter } from './common/rate-limiter.js';
import { REDIS_CLIENT, RedisLifecycle, type RedisClient } from './common/redis.js';
import { ServerLifecycle } from './common/server-lifecycle.js';
import { ChatModule } from './chat/chat.module.js';
import { APP_CONFIG, type AppConfig } from './config.js';
import { DatabaseModule } from './db/database.module.js';
import { HealthController } from './health/health.controller.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OpsModule } from './ops/ops.module.js';
import { PlainWsModule } from './plain-ws/plain-ws.module.js';
import { ListsModule } from './lists/lists.module.js';
import { ScoreboardModule } from './scoreboard/scoreboard.module.js';
import { SpacesModule } from './spaces/spaces.module.js';

@Module({})
export class AppModule {
  static forConfig(config: AppConfig, redis: RedisClient | null = null): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        MetricsModule,
        DatabaseModule,
        AuthModule,
        AccountsModule,
        SpacesModule,
        ChatModule,
        ListsModule,
        ScoreboardModule,
        PlainWsModule,
        OpsModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: REDIS_CLIENT, useValue: redis },
        RedisLifecycle,
        Broadcaster,
        RateLimiter,
        ServerLifecycle,
        CommandDoor,
      ],
      exports: [APP_CONFIG, REDIS_CLIENT, RedisLifecycle, Broadcaster, RateLimiter, ServerLifecycle],
    };
  }
}
