import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import { toJson } from '../common/encoded-once.js';
import { DatabaseService, type BeforeCommit, type GatheredRead, type UnitOfWork } from './database.service.js';
import { lostRace, timestamp } from './dialect.js';
import { prepareList, prepareRows } from './sql.js';

/** The stored results of `count` opIds in one statement, the opIds its values. */
const findProcessedOps = prepareList(
  (count: number) => String(count),
  (db, opIds: readonly unknown[], count) =>
    db
      .selectFrom('ProcessedOp')
      .select(['opId', 'userId', 'command', 'result'])
      .where(
        'opId',
        'in',
        Array.from({ length: count }, (_, index) => opIds[index] as string),
      ),
);

type OpKey = { userId: string; opId: string };

/**
 * Every work under an opId first looks its opId up: the works of a transaction look theirs up in
 * one statement, asked before any of them runs (see `Job.first`).
 */
const findProcessedOp: GatheredRead<OpKey, { command: string; result: string } | undefined> = {
  async run(keys, sql) {
    const rows = await sql.all(
      findProcessedOps(
        keys.length,
        keys.map((key) => key.opId),
      ),
    );
    return keys.map((key) => rows.find((row) => row.opId === key.opId && row.userId === key.userId));
  },
};

interface ProcessedOpRow {
  userId: string;
  opId: string;
  command: string;
  result: string;
  createdAt: string;
}

const processedOpColumns: readonly (keyof ProcessedOpRow)[] = ['userId', 'opId', 'command', 'result', 'createdAt'];

const insertProcessedOps = prepareRows('ProcessedOp', processedOpColumns);

/**
 * The opIds of a transaction's works, stored with their results in one statement before its
 * commit. A work of the same transaction does not see them: the same opId twice in one batch (or
 * committed by another node meanwhile) breaks the key, the batch runs each work alone, and the
 * second finds the first's result.
 */
const recordProcessedOps: BeforeCommit<ProcessedOpRow> = {
  async run(rows, sql) {
    await sql.run(insertProcessedOps(rows));
  },
};

/**
 * A read the work needs to pass first (say, a membership check), asked with the opId's lookup
 * (on a server, in the same round trip); its refusal counts only when the opId is new.
 */
export type Check = (context: UnitOfWork) => Promise<unknown>;

/**
 * What a retry answers instead of the stored result (say, without what was deleted since); `S`:
 * what was stored, the result or what `keep` made of it.
 */
export type Replay<T, S = T> = (stored: S, context: UnitOfWork) => Promise<T>;

/**
 * What services ask for: one unit of work (see `DatabaseService.write`), and, for commands that
 * carry an `opId`, one under that opId: the first committed result is stored with the change, in
 * the same transaction, and a retry gets that result back (through `replay`, if given, in its own
 * transaction) without a second write. Repositories never open a transaction.
 */
@Injectable()
export class UnitsOfWork {
  constructor(private readonly database: DatabaseService) {}

  /** One unit of work without an opId. */
  write<T>(work: (context: UnitOfWork) => Promise<T>): Promise<T> {
    return this.database.write(work);
  }

  /**
   * One unit of work (see `DatabaseService.write`, also for `overlaps`) under the command's opId.
   * `keep`: what the opId stores of the result, when the result is kept elsewhere too (say, a new
   * message on its row); `replay` then answers from it.
   */
  once<T, S = T>(
    userId: string,
    opId: string,
    command: string,
    work: (context: UnitOfWork) => Promise<T>,
    options: { keep?: (value: T) => S; replay?: Replay<T, S>; overlaps?: boolean; check?: Check } = {},
  ): Promise<T> {
    // One key object: the lookup asked ahead for the batch is found by it (see `Job.first`).
    const op = { userId, opId, command };
    return this.retryingOnRace(() =>
      this.database.write((context) => this.attempt(context, op, work, options), options.overlaps, {
        read: findProcessedOp,
        key: op,
      }),
    );
  }

  private async retryingOnRace<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      // Another node committed the same opId between our lookup and our insert (answer its result),
      // or PostgreSQL aborted the transaction to break a deadlock with another node's (run it again).
      if (lostRace(error)) return write();
      throw error;
    }
  }

  private async attempt<T, S>(
    context: UnitOfWork,
    op: { userId: string; opId: string; command: string },
    work: (context: UnitOfWork) => Promise<T>,
    { keep, replay, check }: { keep?: (value: T) => S; replay?: Replay<T, S>; check?: Check },
  ): Promise<T> {
    const checked = check?.(context);
    // A retry answers its stored result even where the check would now refuse.
    checked?.catch(() => undefined);
    const previous = await context.gather(findProcessedOp, op);
    if (previous) {
      if (previous.command !== op.command) {
        throw new DomainError(ErrorCode.Conflict, `opId ${op.opId} was already used for ${previous.command}`);
      }
      const stored = JSON.parse(previous.result) as S;
      return replay ? replay(stored, context) : (stored as unknown as T);
    }
    await checked;
    const value = await work(context);
    // Each property named: an object spread from `op` and then added to misses V8's inline cache on every command.
    const row: ProcessedOpRow = {
      userId: op.userId,
      opId: op.opId,
      command: op.command,
      result: toJson(keep ? keep(value) : value),
      createdAt: timestamp(),
    };
    context.beforeCommit(recordProcessedOps, row);
    return value;
  }
}
