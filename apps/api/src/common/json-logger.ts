import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import type { AppConfig } from '../config.js';

/**
 * Nest's own start-up lines (modules initialised, every route and message handler mapped): about
 * forty of them, useful when debugging, noise to an operator. Their warnings and errors keep their level.
 */
const frameworkStartupContexts = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
  'NestApplication',
]);

/** Nest's logger, writing one JSON object per line through pino. */
export class JsonLogger implements LoggerService {
  private readonly pino: Logger;

  constructor(level: AppConfig['logLevel']) {
    this.pino = pino({ level: level === 'verbose' ? 'trace' : level, base: { service: 'tandem' } });
  }

  log(message: unknown, context?: string): void {
    this.write(context !== undefined && frameworkStartupContexts.has(context) ? 'debug' : 'info', message, context);
  }
  error(message: unknown, traceOrContext?: string, context?: string): void {
    this.write('error', message, context ?? traceOrContext);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace',
    message: unknown,
    context?: string,
  ): void {
    if (!this.pino.isLevelEnabled(level)) return;
    if (message !== null && typeof message === 'object' && !(message instanceof Error))
      this.pino[level]({ context, ...message });
    else if (message instanceof Error) this.pino[level]({ context, err: message }, message.message);
    else this.pino[level]({ context }, String(message));
  }
}
