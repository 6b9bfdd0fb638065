import { BadRequestException, Body, type PipeTransform } from '@nestjs/common';
import { ErrorCode, parsePayload } from '@tandem/contract';
import type { z } from 'zod';

/** Validates an HTTP body with a contract schema; refusals have the same shape as a failed ack. */
export class ValidatedBody<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    // Only JSON bodies are parsed: anything else arrives as nothing.
    if (value === undefined) {
      throw new BadRequestException({
        ok: false,
        error: { code: ErrorCode.Validation, message: 'the body must be JSON, sent as Content-Type: application/json' },
      });
    }
    const result = parsePayload(this.schema, value);
    if (result.ok) return result.value;
    throw new BadRequestException({
      ok: false,
      error: { code: ErrorCode.Validation, message: 'invalid body', details: { issues: result.issues } },
    });
  }
}

/** The request body, parsed with the contract's schema (see `ValidatedBody`). */
export const ContractBody = (schema: z.ZodType): ParameterDecorator => Body(new ValidatedBody(schema));
