import { Global, Module } from '@nestjs/common';
import { DomainEvents } from '../common/domain-events.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { ChangeLogRepository } from './change-log.repository.js';
import { DatabaseService, POSTGRES_DRIVER, postgresDriver } from './database.service.js';
import { UnitsOfWork } from './units-of-work.js';

@Global()
@Module({
  providers: [
    { provide: POSTGRES_DRIVER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => postgresDriver(config) },
    DomainEvents,
    DatabaseService,
    ChangeLogRepository,
    UnitsOfWork,
  ],
  exports: [DomainEvents, DatabaseService, ChangeLogRepository, UnitsOfWork],
})
export class DatabaseModule {}
