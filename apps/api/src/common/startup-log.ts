import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config.js';

/** Where a URL points, without its user name and password: what a log line may show. */
export function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

/**
 * One info line per thing an operator needs at start-up: the database, the migrations applied,
 * the Socket.IO adapter. The listening address follows once the server listens.
 */
export function logStartup(config: AppConfig, appliedMigrations: string[], redisPrefix: string | undefined): void {
  const logger = new Logger('Startup');
  const { database } = config;
  logger.log(
    database.provider === 'sqlite'
      ? `database: SQLite ${database.file}`
      : `database: PostgreSQL ${withoutCredentials(database.url)}`,
  );
  logger.log(
    appliedMigrations.length
      ? `migrations: applied ${appliedMigrations.join(', ')}`
      : 'migrations: none pending, the database is up to date',
  );
  logger.log(
    config.redisUrl && redisPrefix
      ? `adapter: Redis streams at ${withoutCredentials(config.redisUrl)}, keys and channels under ${redisPrefix}`
      : 'adapter: in-process, this node only (set REDIS_URL to run several)',
  );
}
