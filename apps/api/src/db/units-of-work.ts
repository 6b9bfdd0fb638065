import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import { DatabaseService, type UnitOfWork } from './database.service.js';
import { isUniqueViolation, timestamp } from './dialect.js';
import { prepare } from './sql.js';

const findProcessedOp = prepare((db, op: { opId: string; userId: string }) =>
  db
    .selectFrom('ProcessedOp')
    .select(['command', 'result'])
    .where('opId', '=', op.opId)
    .where('userId', '=', op.userId),
);

const recordProcessedOp = prepare(
  (db, op: { userId: string; opId: string; command: string; result: string; createdAt: string }) =>
    db.insertInto('ProcessedOp').values({
      userId: op.userId,
      opId: op.opId,
      command: op.command,
      result: op.result,
      createdAt: op.createdAt,
    }),
);

/** What a retry answers instead of the stored result (say, without what was deleted since). */
export type Replay<T> = (stored: T, context: UnitOfWork) => Promise<T>;

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

  /** One unit of work (see `DatabaseService.write`, also for `overlaps`) under the command's opId. */
  once<T>(
    userId: string,
    opId: string,
    command: string,
    work: (context: UnitOfWork) => Promise<T>,
    options: { replay?: Replay<T>; overlaps?: boolean } = {},
  ): Promise<T> {
    return this.retryingOnRace(() =>
      this.database.write(
        (context) => this.attempt(context, { userId, opId, command }, work, options.replay),
        options.overlaps,
      ),
    );
  }

  private async retryingOnRace<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      // Another node committed the same opId between our lookup and our insert: answer its result.
      if (isUniqueViolation(error)) return write();
      throw error;
    }
  }

  private async attempt<T>(
    context: UnitOfWork,
    op: { userId: string; opId: string; command: string },
    work: (context: UnitOfWork) => Promise<T>,
    replay: Replay<T> | undefined,
  ): Promise<T> {
    const previous = await context.sql.first(findProcessedOp(op));
    if (previous) {
      if (previous.command !== op.command) {
        throw new DomainError(ErrorCode.Conflict, `opId ${op.opId} was already used for ${previous.command}`);
      }
      const stored = JSON.parse(previous.result) as T;
      return replay ? replay(stored, context) : stored;
    }
    const value = await work(context);
    await context.sql.run(recordProcessedOp({ ...op, result: JSON.stringify(value), createdAt: timestamp() }));
    return value;
  }
}
