import { Global, Module } from '@nestjs/common';
import { DomainEvents } from '../common/domain-events.js';
import { ChangeLogRepository } from './change-log.repository.js';
import { DatabaseService } from './database.service.js';
import { UnitsOfWork } from './units-of-work.js';

@Global()
@Module({
  providers: [DomainEvents, DatabaseService, ChangeLogRepository, UnitsOfWork],
  exports: [DomainEvents, DatabaseService, ChangeLogRepository, UnitsOfWork],
})
export class DatabaseModule {}
