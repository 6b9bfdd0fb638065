import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import type { ApplicationConfig } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Namespace, Server, ServerOptions } from 'socket.io';
import type { Socket } from 'socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { WebSocketsController } from '@nestjs/websockets/web-sockets-controller.js';
import type { SocketMiddleware } from '../auth/socket-auth.middleware.js';
import { coalesceWrites } from './coalesced-writes.js';
import { encodedOnceParser } from './encoded-once.js';
import type { CommandDoor } from './command-door.js';
import { directInvoke, type Invoke } from './direct-handlers.js';

/** Frames above this close the offending connection; strings have far smaller contract limits. */
export const maxFrameBytes = 1_000_000;

/**
 * Socket.IO as Tandem runs it: websocket and polling transports, 1 MB frames, the configured CORS
 * origin, handshake authentication and the per-socket session hooks on every namespace a gateway
 * opens.
 */
export class TandemIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly authenticate: SocketMiddleware,
    private readonly onConnection: (socket: Socket) => void,
    door: CommandDoor,
    private readonly corsOrigin: string | undefined,
    /** Set when several nodes share Redis: broadcasts, rooms and fetchSockets span them all. */
    private readonly clusterAdapter: ServerOptions['adapter'] | undefined,
    /** Told of the server once it exists (the Admin UI instruments it). */
    private readonly onServer: (server: Server) => void = () => {},
  ) {
    super(app);
    shareGatewayHandlers();
    this.dispatch = dispatcher(door, this.gateways);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const allowedOrigins = this.corsOrigin?.split(',');
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: maxFrameBytes,
      cors: allowedOrigins ? { origin: allowedOrigins, credentials: true } : undefined,
      // CORS headers do not bind WebSocket upgrades: the origin is checked on every handshake.
      allowRequest: (request, callback) => callback(null, isAllowedOrigin(request, allowedOrigins)),
      serveClient: false,
      parser: encodedOnceParser,
      ...(this.clusterAdapter ? { adapter: this.clusterAdapter } : {}),
    } as ServerOptions);
    coalesceWrites(server);
    this.onServer(server);
    return server;
  }

  private readonly dispatch: (this: Socket, event: string, ...args: unknown[]) => void;

  /** Per namespace: the gateway, its handlers (not bound to any socket) and each event's handler. */
  private readonly gateways = new Map<string, Gateway>();

  /**
   * One `onAny` listener, shared by every socket, that sends each event through the `CommandDoor`
   * to its handler, instead of Nest's default of one RxJS pipeline per handler per socket, and of
   * its handlers bound to each socket: the same acks, far less memory for each idle connection
   * and less work per message. A socket keeps only the listener's place in its list.
   */
  bindGatewayHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    instance: object,
    nestPipeline: boolean,
  ): void {
    const gateway = this.gateways.get(socket.nsp.name);
    if (gateway === undefined) {
      const handlerOf = new Map(
        handlers.map((handler) => [handler.message as string, directInvoke(instance, handler, nestPipeline)]),
      );
      this.gateways.set(socket.nsp.name, { instance, handlers, handlerOf });
    } else if (gateway.handlers !== handlers) {
      throw new Error(`namespace ${socket.nsp.name} has two gateways: one namespace, one gateway`);
    }
    socket.onAny(this.dispatch);
  }

  /** Nest's per-socket disconnect hook, kept only for a gateway that has `handleDisconnect`. */
  override bindClientDisconnect(socket: Socket, callback: (reason: unknown) => void): void {
    const instance = this.gateways.get(socket.nsp.name)?.instance as { handleDisconnect?: unknown } | undefined;
    if (typeof instance?.handleDisconnect === 'function') super.bindClientDisconnect(socket, callback);
  }

  override create(port: number, options?: ServerOptions & { namespace?: string; server?: Server }): Server | Namespace {
    const created = super.create(port, options);
    if (options?.namespace) {
      const namespace = created as Namespace;
      namespace.use(this.authenticate);
      namespace.on('connection', this.onConnection);
    }
    return created;
  }
}

interface Gateway {
  instance: object;
  handlers: MessageMappingProperties[];
  /** By event, each handler as the door calls it (see `directInvoke`). */
  handlerOf: Map<string, Invoke>;
}

type SubscribeMessages = (handlers: MessageMappingProperties[], socket: Socket, instance: object) => void;

/**
 * Nest binds every gateway handler to every socket (`callback.bind(instance, socket)`) and hands
 * the bound copies to the adapter, a function and its arguments per handler per connection. With
 * a `TandemIoAdapter` the handlers are handed over as they are, shared by all sockets, and called
 * with the socket as their first argument, as the bound copies would have been.
 */
function shareGatewayHandlers(): void {
  const prototype = WebSocketsController.prototype as unknown as {
    subscribeMessages: SubscribeMessages;
    config: ApplicationConfig;
  };
  if (Object.hasOwn(prototype.subscribeMessages, shared)) return;
  const nests = prototype.subscribeMessages;
  const subscribeMessages: SubscribeMessages = function (this: typeof prototype, handlers, socket, instance) {
    const adapter = this.config.getIoAdapter();
    if (adapter instanceof TandemIoAdapter)
      adapter.bindGatewayHandlers(socket, handlers, instance, appEnhances(this.config));
    else nests.call(this, handlers, socket, instance);
  };
  prototype.subscribeMessages = Object.assign(subscribeMessages, { [shared]: true });
}

/** The `onAny` listener of every gateway socket; Socket.IO calls it with the socket as `this`. */
function dispatcher(door: CommandDoor, gateways: Map<string, Gateway>) {
  return function (this: Socket, event: string, ...args: unknown[]): void {
    const gateway = gateways.get(this.nsp.name);
    const handle = gateway?.handlerOf.get(event);
    // As Nest's own binding sees it: the ack last, one argument as is, several as an array.
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as (response: unknown) => void) : undefined;
    const data = args.length <= 1 ? args[0] : args;
    if (handle === undefined) {
      // Session events (`auth:refresh`) have listeners of their own; anything else is unknown.
      if (this.listenerCount(event) === 0 && ack) ack(door.refuseUnknown(this, event));
      return;
    }
    void door.pass(this, event, data, handle, ack);
  };
}

const shared = Symbol('shared gateway handlers');

/** Whether the application adds guards, interceptors or pipes to every handler (then Nest calls them). */
function appEnhances(config: ApplicationConfig): boolean {
  return [
    config.getGlobalGuards(),
    config.getGlobalInterceptors(),
    config.getGlobalPipes(),
    config.getGlobalRequestGuards(),
    config.getGlobalRequestInterceptors(),
    config.getGlobalRequestPipes(),
  ].some((list) => list.length > 0);
}

/**
 * Browsers send `Origin`; scripts and servers usually do not, and are let through (they must still
 * present a token). Without CORS_ORIGIN only the page's own origin is accepted.
 */
export function isAllowedOrigin(request: IncomingMessage, allowedOrigins: string[] | undefined): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  if (allowedOrigins) return allowedOrigins.includes(origin);
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
