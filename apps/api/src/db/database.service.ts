import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type pg from 'pg';
import type * as Postgres from './postgres-connection.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { DomainEvents, type ChangeCommitted } from '../common/domain-events.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SqliteConnection } from './connections.js';
import { inTransaction, sqliteSession, type Session } from './sessions.js';
import { runJobs, type FirstRead, type Job, type Outcome, type UnitOfWork } from './transaction-jobs.js';
import { DatabaseUnreachable, postgresDialect, sqliteDialect, type Dialect } from './dialect.js';
import { Sql } from './sql.js';
import { WalCheckpointer } from './wal-checkpointer.js';

export type { BeforeCommit, FirstRead, GatheredRead, UnitOfWork } from './transaction-jobs.js';

interface BatchItem extends Job {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}
interface Batch {
  items: BatchItem[];
}

/** What runs on PostgreSQL alone (`pg` with it): the database module's provider of it. */
export const POSTGRES_DRIVER = Symbol('POSTGRES_DRIVER');
export type PostgresDriver = typeof Postgres;

/** Loaded only when the configuration names PostgreSQL: on SQLite, `pg` would be memory for nothing. */
export async function postgresDriver(config: AppConfig): Promise<PostgresDriver | null> {
  return config.database.provider === 'sqlite' ? null : import('./postgres-connection.js');
}

/** How long a SQLite connection waits for another one's lock. */
const busyTimeoutMs = 5_000;

/** A bound on one transaction's size, so that one batch cannot hold the writer for long. */
const maxBatchSize = 256;
/** How many of a batch's commands are answered in one turn of the event loop (see `settle`). */
const answersPerTurn = 32;

/**
 * The one owner of transactions. Writes run one transaction at a time per node (SQLite has one
 * writer anyway) in arrival order, several to a transaction when they arrive together (group
 * commit), and their events are published right after their commit, so broadcasts leave in `seq`
 * order. Queries run through `Sql` (./sql.ts): on SQLite the writer and the readers have their own
 * connections with their prepared statements, on PostgreSQL one pool serves both. The Prisma
 * schema defines the tables, migrations and the builder's types; Prisma's client is not used.
 */
@Injectable()
export class DatabaseService implements OnModuleInit, OnModuleDestroy {
  readonly dialect: Dialect;
  /** Reads outside a write: they see what has committed. */
  readonly reader: Sql;
  private tail: Promise<unknown> = Promise.resolve();
  /** SQLite: the snapshots waiting for the readers' connection. */
  private snapshots: Promise<unknown> = Promise.resolve();
  /** The batch that new writes join, until it starts to run. */
  private openBatch: Batch | undefined;

  /** SQLite only: the database file, and the writer's connection. */
  private readonly file: string | undefined;
  private readonly sqliteWriter: SqliteConnection | undefined;
  private readonly sqliteReader: SqliteConnection | undefined;
  /** PostgreSQL only. */
  private readonly pool: pg.Pool | undefined;
  private readonly postgres: PostgresDriver | undefined;
  private checkpointer: WalCheckpointer | undefined;
  private readonly logger = new Logger('Database');

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly events: DomainEvents,
    private readonly metrics: MetricsService,
    @Inject(POSTGRES_DRIVER) postgres: PostgresDriver | null,
  ) {
    const { database } = config;
    if (database.provider === 'sqlite') {
      this.dialect = sqliteDialect;
      this.file = database.file;
      this.sqliteWriter = new SqliteConnection(database.file, busyTimeoutMs);
      this.sqliteReader = new SqliteConnection(database.file, busyTimeoutMs);
      this.reader = new Sql(sqliteDialect, this.sqliteReader);
    } else {
      if (!postgres) throw new Error('PostgreSQL is configured but its driver was not loaded (see postgresDriver)');
      this.postgres = postgres;
      this.dialect = postgresDialect;
      this.pool = postgres.postgresPool(database.url);
      // A connection that drops while idle is replaced on the next checkout.
      this.pool.on('error', (error) => this.logger.warn(`PostgreSQL connection lost: ${error.message}`));
      this.reader = new Sql(postgresDialect, new postgres.PostgresConnection(this.pool));
    }
  }

  onModuleInit(): void {
    if (this.file === undefined) return;
    this.checkpointer = new WalCheckpointer(
      this.file,
      busyTimeoutMs,
      (error) => this.logger.error(`WAL checkpoint failed: ${error}`),
      // In the queue of writes: after the transaction under way, before the next one.
      (catchUp) => void this.enqueue(catchUp),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.idle();
    await this.checkpointer?.stop();
    this.sqliteWriter?.close();
    this.sqliteReader?.close();
    await this.pool?.end();
  }

  /**
   * Runs `work` as one unit of work in a transaction after every earlier write, and resolves once
   * it has committed; its events are published right after that commit. Group commit: the writes
   * that arrive in the same tick of the event loop, or while a transaction runs, share the next
   * one. A work refused by a rule (`DomainError`) before it wrote anything is answered alone; if
   * one fails otherwise, the transaction is rolled back and its writes run again one by one: a
   * failure only ever fails its own command. The work must only read and write
   * through `context.sql` and await nothing else: its transaction holds the writer.
   * `overlaps`: the work stays right while other works of its transaction run at the same time
   * (the statement that writes repeats the checks it depends on, and a key taken twice fails the
   * batch, which then runs each work alone); where the dialect allows, such works run at once.
   * `first`: the gathered read the work asks first, asked with those of the other works of its
   * transaction before any runs (see `Job.first`).
   */
  write<T>(work: (context: UnitOfWork) => Promise<T>, overlaps = false, first?: FirstRead): Promise<T> {
    let batch = this.openBatch;
    if (!batch || batch.items.length >= maxBatchSize) {
      const next: Batch = { items: [] };
      this.openBatch = batch = next;
      void this.enqueue(async () => {
        // The batch stays open until the event loop has read every socket that was ready: the
        // commands of one tick share one commit.
        await endOfTick();
        if (this.openBatch === next) this.openBatch = undefined;
        return this.commitBatch(next);
      });
    }
    return new Promise<T>((resolve, reject) =>
      batch.items.push({ work, overlaps, first, resolve: resolve as (value: unknown) => void, reject }),
    );
  }

  /**
   * Reads that must see one committed moment, without waiting for the queue of writes: a read
   * transaction of their own (on SQLite, one at a time on the readers' connection).
   */
  snapshot<T>(read: (sql: Sql) => Promise<T>): Promise<T> {
    const run = async () =>
      inTransaction(await this.readerSession(), this.dialect.beginSnapshot, this.dialect.statementsAhead, read);
    if (!this.sqliteReader) return run();
    const next = this.snapshots.then(run, run);
    this.snapshots = next.catch(() => undefined);
    return next;
  }

  private readerSession(): Promise<Session> | Session {
    if (this.sqliteReader) return sqliteSession(this.dialect, this.sqliteReader, this.reader);
    return this.postgres!.pooledSession(this.dialect, this.pool!);
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    // The queue goes on after a failed write; the caller gets the failure.
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async commitBatch({ items }: Batch): Promise<void> {
    this.metrics.writeBatchSize.observe(items.length);
    this.checkpointer?.wrote();
    if (items.length > 1) {
      const outcomes = await this.transaction(items).catch((error: unknown) => {
        // Without a database, running each write alone would only fail it again, slower.
        if (error instanceof DatabaseUnreachable) {
          for (const item of items) item.reject(error);
          return 'answered' as const;
        }
        // Some write of the batch failed after writing: run each alone below.
        return 'alone' as const;
      });
      if (outcomes === 'answered') return;
      if (outcomes !== 'alone') return this.settle(items, outcomes);
    }
    for (const item of items) {
      const outcomes = await this.transaction([item]).catch((error: unknown) => {
        item.reject(error);
        return null;
      });
      if (outcomes) await this.settle([item], outcomes);
    }
  }

  /**
   * Publishes the committed changes, then answers each item, `answersPerTurn` per turn of the
   * event loop: what each answer sets off (an ack to encode and write) then shares the loop with
   * socket reads and timers instead of holding it for a whole batch.
   */
  private async settle(items: BatchItem[], outcomes: Outcome[]): Promise<void> {
    // Overlapping works may have taken a stream's seqs out of their own order: broadcasts go in seq order.
    const changes = outcomes.flatMap((outcome) => ('changes' in outcome ? outcome.changes : []));
    this.publish(changes.sort((a, b) => a.seq - b.seq));
    for (let start = 0; start < items.length; start += answersPerTurn) {
      if (start > 0) await endOfTick();
      items.slice(start, start + answersPerTurn).forEach((item, offset) => {
        const outcome = outcomes[start + offset]!;
        if ('refused' in outcome) item.reject(outcome.refused);
        else item.resolve(outcome.value);
      });
    }
  }

  private readonly transaction = async (jobs: Job[]): Promise<Outcome[]> => {
    const endTimer = this.metrics.databaseWrites.startTimer();
    try {
      const session = this.sqliteWriter
        ? sqliteSession(this.dialect, this.sqliteWriter)
        : await this.postgres!.pooledSession(this.dialect, this.pool!);
      const { begin, overlappingWorks, statementsAhead } = this.dialect;
      return await inTransaction(session, begin, statementsAhead, (sql, ending) =>
        runJobs(jobs, sql, overlappingWorks, ending),
      );
    } finally {
      endTimer();
    }
  };

  private publish(changes: ChangeCommitted[]): void {
    for (const change of changes) this.events.publish('change.committed', change);
  }

  /** Resolves once every write queued so far has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }

  async ping(): Promise<void> {
    await this.reader.all(this.reader.db.selectNoFrom((eb) => eb.lit(1).as('one')));
  }
}

function endOfTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
