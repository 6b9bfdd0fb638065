import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ErrorCode, type AckError } from '@tandem/contract';
import type { Response } from 'express';
import { DomainError } from './domain-error.js';

const statusOf: Record<ErrorCode, HttpStatus> = {
  [ErrorCode.Validation]: HttpStatus.BAD_REQUEST,
  [ErrorCode.Unauthorized]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [ErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.Conflict]: HttpStatus.CONFLICT,
  [ErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.Unavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.Internal]: HttpStatus.INTERNAL_SERVER_ERROR,
};

const codeOfStatus = new Map<number, ErrorCode>([
  [HttpStatus.UNAUTHORIZED, ErrorCode.Unauthorized],
  [HttpStatus.FORBIDDEN, ErrorCode.Forbidden],
  [HttpStatus.NOT_FOUND, ErrorCode.NotFound],
  [HttpStatus.METHOD_NOT_ALLOWED, ErrorCode.NotFound],
  [HttpStatus.CONFLICT, ErrorCode.Conflict],
  [HttpStatus.TOO_MANY_REQUESTS, ErrorCode.RateLimited],
  [HttpStatus.SERVICE_UNAVAILABLE, ErrorCode.Unavailable],
]);

/** The code of an HTTP status that no rule chose (a body that is not JSON, an unknown route). */
function codeOf(status: number): ErrorCode {
  return codeOfStatus.get(status) ?? (status >= 400 && status < 500 ? ErrorCode.Validation : ErrorCode.Internal);
}

/** Errors of Express middleware (the JSON body parser) carry their status in `status`. */
function statusFrom(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status =
    (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}

/**
 * Every HTTP refusal as a failed ack, `{ok: false, error: {code, message, details?}}`: a rule's
 * `DomainError` with its status, and what Nest or Express refuse on their own (a body that is not
 * JSON, one too large, an unknown route) with the code of their status. A body a route wrote itself
 * (an envelope already, or the health check's) is left as it is. Socket events keep their own path.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof DomainError) {
      const details = error.details === undefined ? {} : { details: error.details };
      this.send(response, statusOf[error.code], { code: error.code, message: error.message, ...details });
      return;
    }
    if (error instanceof HttpException) {
      const body = error.getResponse();
      if (typeof body === 'object' && !('statusCode' in body)) {
        response.status(error.getStatus()).json(body);
        return;
      }
      this.send(response, error.getStatus(), { code: codeOf(error.getStatus()), message: error.message });
      return;
    }
    const status = statusFrom(error);
    if (status !== undefined && status < 500) {
      const message = error instanceof Error ? error.message : 'bad request';
      this.send(response, status, { code: codeOf(status), message });
      return;
    }
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    this.send(response, HttpStatus.INTERNAL_SERVER_ERROR, { code: ErrorCode.Internal, message: 'internal error' });
  }

  private send(response: Response, status: number, error: AckError): void {
    response.status(status).json({ ok: false, error });
  }
}
