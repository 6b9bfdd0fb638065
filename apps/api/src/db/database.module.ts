import { Global, Module } from '@nestjs/common';
import { DomainEvents } from '../common/domain-events.js';
import { ChangeLogRepository } from './change-log.repository.js';
import { DatabaseService } from './database.service.js';
import { IdempotentWrites } from './idempotent-writes.js';

@Global()
@Module({
  providers: [DomainEvents, DatabaseService, ChangeLogRepository, IdempotentWrites],
  exports: [DomainEvents, DatabaseService, ChangeLogRepository, IdempotentWrites],
})
export class DatabaseModule {}
