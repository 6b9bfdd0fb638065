import { Catch, Inject, Injectable, Logger, type WsExceptionFilter } from '@nestjs/common';
import { ErrorCode, commandSchemas, parsePayload, type Ack } from '@tandem/contract';
import type { Socket } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { Invoke } from './direct-handlers.js';
import { DomainError } from './domain-error.js';
import { RateLimiter } from './rate-limiter.js';
import { ServerLifecycle } from './server-lifecycle.js';
import { socketUser } from './socket-user.decorator.js';

/** The metrics label of commands that name no known event. */
const unknownCommandLabel = '(unknown)';
/** How much of an unknown event's name an answer repeats. */
const maxEchoedNameLength = 100;

/**
 * The one door of every command (the socket adapter sends each event through it): spends the
 * sender's rate budget, validates the payload with the contract's schema for the namespace and
 * event (the handler receives the parsed, strict value through `@MessageBody()`), and turns the
 * outcome into the ack envelope — a return value into `{ ok: true, data }`, any error
 * (validation, a rule, a crash) into `{ ok: false, error }`. Plain promises, no RxJS pipeline:
 * this runs for every command, and it is cheaper as a function than as a Nest interceptor.
 */
@Injectable()
export class CommandDoor {
  private readonly logger = new Logger('Commands');
  /** Each command's debug line is built only when it will be written. */
  private readonly logsEachCommand: boolean;

  constructor(
    private readonly rateLimiter: RateLimiter,
    private readonly lifecycle: ServerLifecycle,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.logsEachCommand = config.logLevel === 'debug' || config.logLevel === 'verbose';
  }

  /** Runs `handle` with the parsed payload and answers (when the client asked for an ack); never rejects. */
  async pass(
    socket: Socket,
    event: string,
    payload: unknown,
    handle: Invoke,
    answer: ((response: unknown) => void) | undefined,
  ): Promise<void> {
    const startedAt = performance.now();
    let response: Ack<unknown>;
    try {
      if (this.lifecycle.isDraining) {
        throw new DomainError(ErrorCode.Unavailable, 'the server is shutting down: reconnect and retry', {
          retryAfterMs: this.lifecycle.retryAfterMs,
        });
      }
      this.spendBudget(socket, event);
      const data = await handle(socket, this.parse(socket, event, payload), answer);
      response = { ok: true, data: data ?? {} };
    } catch (error) {
      response = this.toFailure(error, socket, event);
    }
    this.record(socket, event, response, performance.now() - startedAt);
    answer?.(response);
  }

  /**
   * An event no handler serves: `NOT_FOUND`, counted under one metrics label (the name is the
   * client's, and must not become a label). Nothing is parsed or spent.
   */
  refuseUnknown(socket: Socket, event: string): Ack<never> {
    const name = event.length > maxEchoedNameLength ? `${event.slice(0, maxEchoedNameLength)}…` : event;
    const ack: Ack<never> = {
      ok: false,
      error: { code: ErrorCode.NotFound, message: `unknown command ${socket.nsp.name} ${name}` },
    };
    this.record(socket, unknownCommandLabel, ack, 0);
    return ack;
  }

  private record(socket: Socket, command: string, ack: Ack<unknown>, durationMs: number): void {
    const outcome = ack.ok ? 'ok' : ack.error.code;
    this.metrics.countCommand(command, outcome);
    this.metrics.ackLatency.observe(command, durationMs / 1000);
    if (outcome === ErrorCode.RateLimited) this.metrics.rateLimited.inc({ command });
    if (this.logsEachCommand)
      this.logger.debug({
        command,
        outcome,
        durationMs: Math.round(durationMs * 100) / 100,
        socketId: socket.id,
        userId: socketUser(socket).id,
      });
  }

  /** Over budget: answered at once, before any parsing or database work. */
  private spendBudget(socket: Socket, event: string): void {
    const budget = this.rateLimiter.take(socket, socketUser(socket).id, event);
    if (!budget.ok) {
      throw new DomainError(ErrorCode.RateLimited, 'too many commands: slow down', {
        retryAfterMs: budget.retryAfterMs,
      });
    }
  }

  private parse(socket: Socket, event: string, payload: unknown): unknown {
    const namespace = socket.nsp.name;
    const schema = commandSchemas[namespace as keyof typeof commandSchemas]?.[event as never];
    if (!schema) throw new DomainError(ErrorCode.Internal, `no contract schema for ${namespace} ${event}`);
    const result = parsePayload(schema, payload);
    if (!result.ok) throw new DomainError(ErrorCode.Validation, `invalid ${event} payload`, { issues: result.issues });
    return result.value;
  }

  private toFailure(error: unknown, socket: Socket, event: string): Ack<never> {
    if (error instanceof DomainError) {
      const details = error.details === undefined ? {} : { details: error.details };
      return { ok: false, error: { code: error.code, message: error.message, ...details } };
    }
    const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.logger.error(`${event} from socket ${socket.id} failed: ${reason}`);
    return { ok: false, error: { code: ErrorCode.Internal, message: 'internal error: the command was not applied' } };
  }
}

/**
 * A handler's error goes back to the command door, which answers it in the ack, instead of to
 * Nest's default handler, which would emit an `exception` event and swallow it.
 */
@Catch()
export class BackToCommandDoor implements WsExceptionFilter {
  catch(error: unknown): never {
    throw error;
  }
}
