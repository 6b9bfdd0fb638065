import {
  CUSTOM_ROUTE_ARGS_METADATA,
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  INTERCEPTORS_METADATA,
  PIPES_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants.js';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { WsParamtype } from '@nestjs/websockets/enums/ws-paramtype.enum.js';
import type { Socket } from 'socket.io';
import { BackToCommandDoor } from './command-door.js';
import { readFromSocket } from './socket-user.decorator.js';

/** A gateway handler as the command door calls it: the socket, the parsed payload, the ack. */
export type Invoke = (socket: Socket, payload: unknown, ack: ((response: unknown) => void) | undefined) => unknown;

interface ParameterMetadata {
  index: number;
  data?: unknown;
  pipes?: unknown[];
  factory?: (data: unknown, context: ExecutionContextHost) => unknown;
}

type Extract = (socket: Socket, payload: unknown, ack: ((response: unknown) => void) | undefined) => unknown;

/**
 * The handler's method called with its parameters as Nest would resolve them (`@ConnectedSocket`,
 * `@MessageBody`, `@Ack`, custom decorators), without Nest's per-call pipeline — promises for the
 * guards, the interceptors, each parameter's pipes and the exception filters, and copies of the
 * arguments at each step, which cost every command more than its validation. Only for handlers
 * that need none of it: no guards, interceptors or pipes (on the method, its class, or, as
 * `nestPipeline` says, the application), and no exception filter but `BackToCommandDoor` (which
 * hands errors back to the door anyway). Any other handler keeps Nest's callback.
 */
export function directInvoke(instance: object, handler: MessageMappingProperties, nestPipeline: boolean): Invoke {
  const nests: Invoke = (socket, payload, ack) => handler.callback.call(instance, socket, payload, ack);
  const method = (instance as Record<string, unknown>)[handler.methodName] as
    ((...args: unknown[]) => unknown) | undefined;
  if (nestPipeline || typeof method !== 'function') return nests;
  const type = instance.constructor;
  const enhanced = [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA].some(
    (key) => has(Reflect.getMetadata(key, type)) || has(Reflect.getMetadata(key, method)),
  );
  const filters = [
    ...((Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, type) as unknown[] | undefined) ?? []),
    ...((Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, method) as unknown[] | undefined) ?? []),
  ];
  if (enhanced || filters.some((filter) => filter !== BackToCommandDoor)) return nests;
  const metadata = (Reflect.getMetadata(ROUTE_ARGS_METADATA, type, handler.methodName) ?? {}) as Record<
    string,
    ParameterMetadata
  >;
  const pattern: unknown = handler.message;
  const parameters: { index: number; extract: Extract }[] = [];
  for (const [key, parameter] of Object.entries(metadata)) {
    const extract = extractor(key, parameter, type, method, pattern);
    if (extract === undefined) return nests;
    parameters.push({ index: parameter.index, extract });
  }
  if (parameters.length === 0) return (socket, payload, ack) => method.call(instance, socket, payload, ack, pattern);
  const length = Math.max(...parameters.map(({ index }) => index)) + 1;
  // The usual handler (the user and the payload): its arguments passed as they are, no array made.
  const [first, second] = [...parameters].sort((a, b) => a.index - b.index).map(({ extract }) => extract);
  if (length === 1) return (socket, payload, ack) => method.call(instance, first!(socket, payload, ack));
  if (length === 2 && parameters.length === 2) {
    return (socket, payload, ack) => method.call(instance, first!(socket, payload, ack), second!(socket, payload, ack));
  }
  return (socket, payload, ack) => {
    const args = new Array<unknown>(length).fill(undefined);
    for (const { index, extract } of parameters) args[index] = extract(socket, payload, ack);
    return method.apply(instance, args);
  };
}

function has(list: unknown): boolean {
  return Array.isArray(list) && list.length > 0;
}

/** How Nest reads one parameter (`WsParamsFactory`, `ContextUtils.getCustomFactory`), or nothing when it pipes it. */
function extractor(
  key: string,
  parameter: ParameterMetadata,
  type: object,
  method: object,
  pattern: unknown,
): Extract | undefined {
  if (has(parameter.pipes)) return undefined;
  const { data, factory } = parameter;
  if (key.includes(CUSTOM_ROUTE_ARGS_METADATA)) {
    if (typeof factory !== 'function') return () => null;
    const read = readFromSocket.get(factory);
    if (read) return read;
    return (socket, payload, ack) => {
      const context = new ExecutionContextHost([socket, payload, ack, pattern], type as never, method as never);
      context.setType('ws');
      return factory(data, context);
    };
  }
  switch (Number(key.split(':')[0]) as WsParamtype) {
    case WsParamtype.SOCKET:
      return (socket) => socket;
    case WsParamtype.PAYLOAD:
      return data ? (_, payload) => (payload as Record<string, unknown> | undefined)?.[data as string] : (_, p) => p;
    case WsParamtype.ACK:
      return (socket, payload, ack) => [socket, payload, ack, pattern].find((arg) => typeof arg === 'function');
    default:
      return () => null;
  }
}
