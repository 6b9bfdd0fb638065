import type { z } from 'zod';
import type { ValidationIssue } from './ack.js';
import { quickAccept } from './quick-accept.js';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/**
 * Parses a payload with a contract schema, listing every problem rather than throwing. A payload
 * the schema would accept unchanged is taken as it is (see `quickAccept`); zod parses the rest.
 */
export function parsePayload<S extends z.ZodType>(schema: S, payload: unknown): ParseResult<z.output<S>> {
  if (quickAccept(schema)?.(payload)) return { ok: true, value: payload as z.output<S> };
  const result = schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
      message: issue.message,
    })),
  };
}
