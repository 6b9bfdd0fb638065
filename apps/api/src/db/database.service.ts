import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { DomainEvents, type ChangeCommitted } from '../common/domain-events.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PrismaClient as PostgresPrismaClient } from '../generated/prisma-postgres/client.js';
import { PrismaClient, type Prisma } from '../generated/prisma/client.js';

export type Transaction = Prisma.TransactionClient;

/** What a write sees: its transaction, and a way to publish events once it has committed. */
export interface WriteContext {
  tx: Transaction;
  publishAfterCommit(change: ChangeCommitted): void;
}

/**
 * The Prisma client, and the one door for writes. Writes run one transaction at a time (SQLite
 * has one writer anyway) in arrival order, and their events are published right after their
 * commit, so broadcasts leave in `seq` order. Batching several writes into one commit can be
 * done here without touching services. The same models serve SQLite and PostgreSQL: each provider
 * has its generated client, and both have the same API.
 */
@Injectable()
export class DatabaseService implements OnModuleInit, OnModuleDestroy {
  readonly client: PrismaClient;
  private tail: Promise<unknown> = Promise.resolve();

  private readonly provider: AppConfig['database']['provider'];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly events: DomainEvents,
    private readonly metrics: MetricsService,
  ) {
    const { database } = config;
    this.provider = database.provider;
    this.client =
      database.provider === 'sqlite'
        ? new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: database.file, timeout: 5_000 }) })
        : (new PostgresPrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) }) as unknown as PrismaClient);
  }

  async onModuleInit(): Promise<void> {
    await this.client.$connect();
    if (this.provider !== 'sqlite') return;
    await this.client.$queryRawUnsafe('PRAGMA journal_mode=WAL');
    // WAL + NORMAL: a commit survives a process crash; only an OS crash may lose the last ones.
    await this.client.$executeRawUnsafe('PRAGMA synchronous=NORMAL');
    await this.client.$executeRawUnsafe('PRAGMA foreign_keys=ON');
  }

  async onModuleDestroy(): Promise<void> {
    await this.idle();
    await this.client.$disconnect();
  }

  /** Runs `work` in one transaction after every earlier write; publishes its events on commit. */
  write<T>(work: (context: WriteContext) => Promise<T>): Promise<T> {
    return this.serialized(async () => {
      const pending: ChangeCommitted[] = [];
      const endTimer = this.metrics.databaseWrites.startTimer();
      const result = await this.client
        .$transaction((tx) => work({ tx, publishAfterCommit: (change) => pending.push(change) }))
        .finally(endTimer);
      for (const change of pending) this.events.publish('change.committed', change);
      return result;
    });
  }

  /** Runs reads that must not interleave with a write (a snapshot and its seq). */
  serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    // The queue goes on after a failed write; the caller gets the failure.
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves once every write queued so far has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }

  async ping(): Promise<void> {
    await this.client.$queryRawUnsafe('SELECT 1');
  }
}
