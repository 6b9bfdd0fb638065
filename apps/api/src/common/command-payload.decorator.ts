import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ErrorCode, commandSchemas, parsePayload } from '@tandem/contract';
import type { Socket } from 'socket.io';
import { DomainError } from './domain-error.js';

/**
 * The one place where incoming payloads are validated: the schema is the contract's for the
 * handler's namespace and event, so a handler only ever sees a parsed, strict payload.
 */
export const CommandPayload = createParamDecorator((_: unknown, context: ExecutionContext): unknown => {
  const ws = context.switchToWs();
  const namespace = ws.getClient<Socket>().nsp.name;
  const event = ws.getPattern();
  const schema = commandSchemas[namespace as keyof typeof commandSchemas]?.[event as never];
  if (!schema) throw new DomainError(ErrorCode.Internal, `no contract schema for ${namespace} ${event}`);
  const result = parsePayload(schema, ws.getData());
  if (!result.ok) {
    throw new DomainError(ErrorCode.Validation, `invalid ${event} payload`, { issues: result.issues });
  }
  return result.value;
});
