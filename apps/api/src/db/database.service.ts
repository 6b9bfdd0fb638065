import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { DomainEvents, type ChangeCommitted } from '../common/domain-events.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PrismaClient as PostgresPrismaClient } from '../generated/prisma-postgres/client.js';
import { PrismaClient, type Prisma } from '../generated/prisma/client.js';
import { SqliteStatements } from './sqlite-statements.js';
import { WalCheckpointer } from './wal-checkpointer.js';

export type Transaction = Prisma.TransactionClient;

/** Where a read runs: through Prisma, or, inside a direct write on SQLite, on the writer's connection. */
export type Reader = Transaction | SqliteStatements;

/**
 * What a direct write sees (see `DatabaseService.writeDirect`): its transaction — the writer's
 * prepared statements on SQLite, a Prisma transaction on PostgreSQL — and a way to publish events
 * once it has committed. Repositories branch on `db instanceof SqliteStatements`.
 */
export interface DirectWriteContext {
  db: Reader;
  publishAfterCommit(change: ChangeCommitted): void;
}

/** What a write sees: its Prisma transaction (also as `db`, so that it can call what direct writes call). */
export interface WriteContext extends DirectWriteContext {
  tx: Transaction;
  db: Transaction;
}

type WriteWork = (context: WriteContext) => Promise<unknown>;
type DirectWork = (context: DirectWriteContext) => Promise<unknown>;
interface BatchItem {
  work: WriteWork | DirectWork;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}
interface Batch {
  /** A direct batch runs on the SQLite statements; any other, in a Prisma transaction. */
  direct: boolean;
  items: BatchItem[];
}

/** How long a SQLite connection waits for another one's lock. */
const busyTimeoutMs = 5_000;

/** A bound on one transaction's size, so that one batch cannot hold the writer for long. */
const maxBatchSize = 256;

/**
 * The Prisma client, and the one door for writes. Writes run one transaction at a time (SQLite
 * has one writer anyway) in arrival order, several to a transaction when they arrive together,
 * and their events are published right after their commit, so broadcasts leave in `seq` order.
 * The same models serve SQLite and PostgreSQL: each provider has its generated client, and both
 * have the same API. On SQLite, the hottest commands write through a second connection with
 * prepared statements (`writeDirect`); they queue with every other write all the same.
 */
@Injectable()
export class DatabaseService implements OnModuleInit, OnModuleDestroy {
  readonly client: PrismaClient;
  private tail: Promise<unknown> = Promise.resolve();
  /** The batch that new writes join, until it starts to run. */
  private openBatch: Batch | undefined;

  /** SQLite only: the database file. */
  private readonly file: string | undefined;
  /** SQLite only: the writer's own connection for direct writes. */
  private readonly sqlite: SqliteStatements | undefined;
  private checkpointer: WalCheckpointer | undefined;
  private readonly logger = new Logger('Database');

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly events: DomainEvents,
    private readonly metrics: MetricsService,
  ) {
    const { database } = config;
    this.client =
      database.provider === 'sqlite'
        ? new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: database.file, timeout: busyTimeoutMs }) })
        : (new PostgresPrismaClient({
            adapter: new PrismaPg({ connectionString: database.url }),
          }) as unknown as PrismaClient);
    this.sqlite = database.provider === 'sqlite' ? new SqliteStatements(database.file, busyTimeoutMs) : undefined;
    this.file = database.provider === 'sqlite' ? database.file : undefined;
  }

  async onModuleInit(): Promise<void> {
    await this.client.$connect();
    if (this.file === undefined) return;
    await this.client.$queryRawUnsafe('PRAGMA journal_mode=WAL');
    // WAL + NORMAL: a commit survives a process crash; only an OS crash may lose the last ones.
    await this.client.$executeRawUnsafe('PRAGMA synchronous=NORMAL');
    await this.client.$executeRawUnsafe('PRAGMA foreign_keys=ON');
    await this.client.$queryRawUnsafe('PRAGMA wal_autocheckpoint=0');
    this.checkpointer = new WalCheckpointer(this.file, busyTimeoutMs, (error) =>
      this.logger.error(`WAL checkpoint failed: ${error}`),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.idle();
    await this.checkpointer?.stop();
    this.sqlite?.close();
    await this.client.$disconnect();
  }

  /**
   * Runs `work` in a transaction after every earlier write, and resolves once it has committed;
   * its events are published right after that commit. Group commit: the writes that arrive in the
   * same tick of the event loop, or while a transaction runs, share the next one. If one of them
   * fails, that transaction is rolled back and its writes are run again one by one, so a failure
   * only ever fails its own command.
   */
  write<T>(work: (context: WriteContext) => Promise<T>): Promise<T> {
    return this.join(false, work);
  }

  /**
   * `write` for the hottest commands: on SQLite, the work runs on prepared statements (see
   * `SqliteStatements`) instead of Prisma, in the same queue and with the same group commit. The
   * work must only read and write through `context.db` and await nothing else: its transaction
   * holds the writer. On PostgreSQL it is a plain `write`.
   */
  writeDirect<T>(work: (context: DirectWriteContext) => Promise<T>): Promise<T> {
    return this.join(this.sqlite !== undefined, work);
  }

  private join<T>(direct: boolean, work: WriteWork | DirectWork): Promise<T> {
    let batch = this.openBatch;
    if (!batch || batch.direct !== direct || batch.items.length >= maxBatchSize) {
      const next: Batch = { direct, items: [] };
      this.openBatch = batch = next;
      void this.enqueue(async () => {
        // The batch stays open until the event loop has read every socket that was ready: the
        // commands of one tick share one commit (a direct write would otherwise commit alone,
        // synchronously, before the next socket is even read).
        await endOfTick();
        if (this.openBatch === next) this.openBatch = undefined;
        return this.commitBatch(next);
      });
    }
    return new Promise<T>((resolve, reject) =>
      batch.items.push({ work, resolve: resolve as (value: unknown) => void, reject }),
    );
  }

  /** Runs reads that must not interleave with a write (a snapshot and its seq). */
  serialized<T>(work: () => Promise<T>): Promise<T> {
    // Writes queued after this read go to a new batch, after it.
    this.openBatch = undefined;
    return this.enqueue(work);
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    // The queue goes on after a failed write; the caller gets the failure.
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async commitBatch({ direct, items }: Batch): Promise<void> {
    this.metrics.writeBatchSize.observe(items.length);
    const transaction = direct ? this.sqliteTransaction : this.prismaTransaction;
    if (items.length > 1) {
      try {
        const outcomes = await transaction(items.map((item) => item.work));
        items.forEach((item, index) => {
          const { value, changes } = outcomes[index]!;
          this.publish(changes);
          item.resolve(value);
        });
        return;
      } catch {
        // Some write of the batch refused or failed: retry each alone below.
      }
    }
    for (const item of items) {
      try {
        const [{ value, changes }] = (await transaction([item.work])) as [Outcome];
        this.publish(changes);
        item.resolve(value);
      } catch (error) {
        item.reject(error);
      }
    }
  }

  private readonly prismaTransaction = async (works: BatchItem['work'][]): Promise<Outcome[]> => {
    const endTimer = this.metrics.databaseWrites.startTimer();
    try {
      return await this.client.$transaction((tx) => runWorks(works, { tx, db: tx }), {
        maxWait: 10_000,
        timeout: 30_000,
      });
    } finally {
      endTimer();
    }
  };

  private readonly sqliteTransaction = async (works: BatchItem['work'][]): Promise<Outcome[]> => {
    const sqlite = this.sqlite!;
    const endTimer = this.metrics.databaseWrites.startTimer();
    sqlite.begin();
    try {
      const outcomes = await runWorks(works, { db: sqlite });
      sqlite.commit();
      return outcomes;
    } catch (error) {
      sqlite.rollback();
      throw error;
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
    await this.client.$queryRawUnsafe('SELECT 1');
  }
}

function endOfTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface Outcome {
  value: unknown;
  changes: ChangeCommitted[];
}

/** Runs the works of one transaction in order, each collecting the changes it publishes. */
async function runWorks(
  works: BatchItem['work'][],
  db: { tx: Transaction; db: Transaction } | { db: SqliteStatements },
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const work of works) {
    const changes: ChangeCommitted[] = [];
    const context = { ...db, publishAfterCommit: (change: ChangeCommitted) => changes.push(change) };
    outcomes.push({ value: await (work as DirectWork)(context), changes });
  }
  return outcomes;
}
