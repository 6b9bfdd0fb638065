import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import { DatabaseService, type WriteContext } from './database.service.js';

/**
 * Commands that carry an `opId` run through here: the first committed result is stored with the
 * change, in the same transaction, and a retry gets that result back without a second write.
 */
@Injectable()
export class IdempotentWrites {
  constructor(private readonly database: DatabaseService) {}

  async once<T>(userId: string, opId: string, command: string, work: (context: WriteContext) => Promise<T>): Promise<T> {
    try {
      return await this.attempt(userId, opId, command, work);
    } catch (error) {
      // Another node committed the same opId between our lookup and our insert: answer its result.
      if (isUniqueViolation(error)) return this.attempt(userId, opId, command, work);
      throw error;
    }
  }

  private attempt<T>(userId: string, opId: string, command: string, work: (context: WriteContext) => Promise<T>): Promise<T> {
    return this.database.write(async (context) => {
      const previous = await context.tx.processedOp.findUnique({ where: { userId_opId: { userId, opId } } });
      if (previous) {
        if (previous.command !== command) {
          throw new DomainError(ErrorCode.Conflict, `opId ${opId} was already used for ${previous.command}`);
        }
        return JSON.parse(previous.result) as T;
      }
      const result = await work(context);
      await context.tx.processedOp.create({ data: { userId, opId, command, result: JSON.stringify(result) } });
      return result;
    });
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}
