import { Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ErrorCode, type Ack } from '@tandem/contract';
import { catchError, map, of, type Observable } from 'rxjs';
import type { Socket } from 'socket.io';
import { DomainError } from './domain-error.js';

/**
 * Turns every command's outcome into the contract's ack envelope: a handler's return value into
 * `{ ok: true, data }`, and any error (validation, a rule, a crash) into `{ ok: false, error }`.
 * Nest's own WebSocket exception handling would never call the ack.
 */
@Injectable()
export class AckInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Commands');

  intercept(context: ExecutionContext, next: CallHandler): Observable<Ack<unknown>> {
    return next.handle().pipe(
      map((data: unknown): Ack<unknown> => ({ ok: true, data: data ?? {} })),
      catchError((error: unknown) => of(this.toFailure(error, context))),
    );
  }

  private toFailure(error: unknown, context: ExecutionContext): Ack<never> {
    if (error instanceof DomainError) {
      return {
        ok: false,
        error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) },
      };
    }
    const ws = context.switchToWs();
    this.logger.error(
      `${ws.getPattern()} from socket ${ws.getClient<Socket>().id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return { ok: false, error: { code: ErrorCode.Internal, message: 'internal error: the command was not applied' } };
  }
}
