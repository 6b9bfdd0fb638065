import { Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ErrorCode, commandSchemas, parsePayload, type Ack } from '@tandem/contract';
import { catchError, defer, map, of, tap, type Observable } from 'rxjs';
import { MetricsService } from '../metrics/metrics.service.js';
import type { Socket } from 'socket.io';
import { DomainError } from './domain-error.js';
import { RateLimiter } from './rate-limiter.js';
import { ServerLifecycle } from './server-lifecycle.js';
import { socketUser } from './socket-user.decorator.js';

/** Where the payload sits among a WebSocket handler's arguments: `[socket, payload, ...]`. */
const payloadIndex = 1;

/**
 * The one door of every command: spends the sender's rate budget, validates the payload with the contract's schema for the
 * namespace and event (handlers then see the parsed, strict value through `@MessageBody()`), and
 * turns the outcome into the ack envelope — a return value into `{ ok: true, data }`, any error
 * (validation, a rule, a crash) into `{ ok: false, error }`. Nest's own WebSocket exception
 * handling would never call the ack.
 */
@Injectable()
export class CommandInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Commands');

  constructor(
    private readonly rateLimiter: RateLimiter,
    private readonly lifecycle: ServerLifecycle,
    private readonly metrics: MetricsService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<Ack<unknown>> {
    const startedAt = performance.now();
    return defer(() => {
      if (this.lifecycle.isDraining) {
        throw new DomainError(ErrorCode.Internal, 'the server is shutting down: retry after reconnecting', { draining: true });
      }
      this.spendBudget(context);
      this.replacePayloadWithParsed(context);
      return next.handle();
    }).pipe(
      map((data: unknown): Ack<unknown> => ({ ok: true, data: data ?? {} })),
      catchError((error: unknown) => of(this.toFailure(error, context))),
      tap((ack) => this.record(context, ack, performance.now() - startedAt)),
    );
  }

  private record(context: ExecutionContext, ack: Ack<unknown>, durationMs: number): void {
    const ws = context.switchToWs();
    const command = ws.getPattern();
    const outcome = ack.ok ? 'ok' : ack.error.code;
    this.metrics.commands.inc({ command, outcome });
    this.metrics.ackLatency.observe({ command }, durationMs / 1000);
    if (outcome === ErrorCode.RateLimited) this.metrics.rateLimited.inc({ command });
    const socket = ws.getClient<Socket>();
    this.logger.debug({ command, outcome, durationMs: Math.round(durationMs * 100) / 100, socketId: socket.id, userId: socketUser(socket).id });
  }

  /** Over budget: answered at once, before any parsing or database work. */
  private spendBudget(context: ExecutionContext): void {
    const ws = context.switchToWs();
    const socket = ws.getClient<Socket>();
    const budget = this.rateLimiter.take(socket, socketUser(socket).id, ws.getPattern());
    if (!budget.ok) {
      throw new DomainError(ErrorCode.RateLimited, 'too many commands: slow down', { retryAfterMs: budget.retryAfterMs });
    }
  }

  private replacePayloadWithParsed(context: ExecutionContext): void {
    const ws = context.switchToWs();
    const namespace = ws.getClient<Socket>().nsp.name;
    const event = ws.getPattern();
    const schema = commandSchemas[namespace as keyof typeof commandSchemas]?.[event as never];
    if (!schema) throw new DomainError(ErrorCode.Internal, `no contract schema for ${namespace} ${event}`);
    const result = parsePayload(schema, ws.getData());
    if (!result.ok) throw new DomainError(ErrorCode.Validation, `invalid ${event} payload`, { issues: result.issues });
    // The handler's arguments are this same array: it receives the parsed value.
    context.getArgs()[payloadIndex] = result.value;
  }

  private toFailure(error: unknown, context: ExecutionContext): Ack<never> {
    if (error instanceof DomainError) {
      const details = error.details === undefined ? {} : { details: error.details };
      return { ok: false, error: { code: error.code, message: error.message, ...details } };
    }
    const ws = context.switchToWs();
    const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.logger.error(`${ws.getPattern()} from socket ${ws.getClient<Socket>().id} failed: ${reason}`);
    return { ok: false, error: { code: ErrorCode.Internal, message: 'internal error: the command was not applied' } };
  }
}
