/** The closed set of error codes every command may answer with. */
export const ErrorCode = {
  Validation: 'VALIDATION',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  RateLimited: 'RATE_LIMITED',
  /** The server cannot take the command now (it is draining): retry after `details.retryAfterMs`. */
  Unavailable: 'UNAVAILABLE',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface AckError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** Every command's acknowledgement: exactly one of these two shapes. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: AckError };

export type AckCallback<T> = (response: Ack<T>) => void;

/** One problem found in a payload, as listed in a `VALIDATION` error's `details.issues`. */
export interface ValidationIssue {
  path: (string | number)[];
  message: string;
}
