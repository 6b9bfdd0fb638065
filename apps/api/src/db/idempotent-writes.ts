import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import { DatabaseService, type DirectWriteContext, type Reader, type WriteContext } from './database.service.js';
import { SqliteStatements, sqliteTimestamp } from './sqlite-statements.js';

interface ProcessedOp {
  command: string;
  result: string;
}

/**
 * Commands that carry an `opId` run through here: the first committed result is stored with the
 * change, in the same transaction, and a retry gets that result back without a second write.
 */
@Injectable()
export class IdempotentWrites {
  constructor(private readonly database: DatabaseService) {}

  once<T>(userId: string, opId: string, command: string, work: (context: WriteContext) => Promise<T>): Promise<T> {
    return this.retryingOnRace(() =>
      this.database.write((context) => this.attempt(context, userId, opId, command, work)),
    );
  }

  /** `once` as a direct write (see `DatabaseService.writeDirect`), for the hottest commands. */
  onceDirect<T>(
    userId: string,
    opId: string,
    command: string,
    work: (context: DirectWriteContext) => Promise<T>,
  ): Promise<T> {
    return this.retryingOnRace(() =>
      this.database.writeDirect((context) => this.attempt(context, userId, opId, command, work)),
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

  private async attempt<C extends DirectWriteContext, T>(
    context: C,
    userId: string,
    opId: string,
    command: string,
    work: (context: C) => Promise<T>,
  ): Promise<T> {
    const previous = await findProcessedOp(context.db, userId, opId);
    if (previous) {
      if (previous.command !== command) {
        throw new DomainError(ErrorCode.Conflict, `opId ${opId} was already used for ${previous.command}`);
      }
      return JSON.parse(previous.result) as T;
    }
    const result = await work(context);
    await recordProcessedOp(context.db, { userId, opId, command, result: JSON.stringify(result) });
    return result;
  }
}

async function findProcessedOp(db: Reader, userId: string, opId: string): Promise<ProcessedOp | null> {
  if (db instanceof SqliteStatements) {
    return (
      db.get<ProcessedOp>('SELECT command, result FROM ProcessedOp WHERE opId = ? AND userId = ?', opId, userId) ?? null
    );
  }
  return db.processedOp.findUnique({
    where: { opId_userId: { opId, userId } },
    select: { command: true, result: true },
  });
}

async function recordProcessedOp(
  db: Reader,
  op: { userId: string; opId: string; command: string; result: string },
): Promise<void> {
  if (db instanceof SqliteStatements) {
    db.run(
      'INSERT INTO ProcessedOp (userId, opId, command, result, createdAt) VALUES (?, ?, ?, ?, ?)',
      op.userId,
      op.opId,
      op.command,
      op.result,
      sqliteTimestamp(new Date()),
    );
    return;
  }
  await db.processedOp.create({ data: op, select: { userId: true } });
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}
