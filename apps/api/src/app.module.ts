import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from './auth/auth.module.js';
import { Broadcaster } from './common/broadcaster.js';
import { RateLimiter } from './common/rate-limiter.js';
import { ChatModule } from './chat/chat.module.js';
import { APP_CONFIG, type AppConfig } from './config.js';
import { DatabaseModule } from './db/database.module.js';
import { HealthController } from './health/health.controller.js';

@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [DatabaseModule, AuthModule, ChatModule],
      controllers: [HealthController],
      providers: [{ provide: APP_CONFIG, useValue: config }, Broadcaster, RateLimiter],
      exports: [APP_CONFIG, Broadcaster, RateLimiter],
    };
  }
}
