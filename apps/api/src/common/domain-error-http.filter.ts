import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ErrorCode } from '@tandem/contract';
import type { Response } from 'express';
import { DomainError } from './domain-error.js';

const statusOf: Record<ErrorCode, HttpStatus> = {
  [ErrorCode.Validation]: HttpStatus.BAD_REQUEST,
  [ErrorCode.Unauthorized]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [ErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.Conflict]: HttpStatus.CONFLICT,
  [ErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.Internal]: HttpStatus.INTERNAL_SERVER_ERROR,
};

/** A rule's refusal on an HTTP route: the matching status, and a body shaped like a failed ack. */
@Catch(DomainError)
export class DomainErrorHttpFilter implements ExceptionFilter<DomainError> {
  catch(error: DomainError, host: ArgumentsHost): void {
    const details = error.details === undefined ? {} : { details: error.details };
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(statusOf[error.code])
      .json({ ok: false, error: { code: error.code, message: error.message, ...details } });
  }
}
