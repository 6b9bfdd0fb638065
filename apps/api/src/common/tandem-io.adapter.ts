import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Namespace, Server, ServerOptions } from 'socket.io';
import type { Socket } from 'socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { SocketMiddleware } from '../auth/socket-auth.middleware.js';
import { coalesceWrites } from './coalesced-writes.js';
import { encodedOnceParser } from './encoded-once.js';
import type { CommandDoor } from './command-door.js';

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
    private readonly door: CommandDoor,
    private readonly corsOrigin: string | undefined,
    /** Set when several nodes share Redis: broadcasts, rooms and fetchSockets span them all. */
    private readonly clusterAdapter: ServerOptions['adapter'] | undefined,
    /** Told of the server once it exists (the Admin UI instruments it). */
    private readonly onServer: (server: Server) => void = () => {},
  ) {
    super(app);
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

  /** Per namespace, where each event's handler sits in the list Nest hands to every socket. */
  private readonly handlerIndexes = new Map<string, Map<string, number>>();

  /**
   * One `onAny` listener per socket that sends each event through the `CommandDoor` to its
   * handler, instead of Nest's default of one RxJS pipeline per handler per socket: the same
   * acks, far less memory for each idle connection and less work per message. A socket keeps
   * only its handlers' functions; the event-to-handler map is shared by its namespace.
   */
  override bindMessageHandlers(socket: Socket, handlers: MessageMappingProperties[]): void {
    const indexOf = this.handlerIndex(socket.nsp.name, handlers);
    const callbacks = handlers.map((handler) => handler.callback);
    socket.onAny((event: string, ...args: unknown[]) => {
      const index = indexOf.get(event);
      // As Nest's own binding sees it: the ack last, one argument as is, several as an array.
      const ack = typeof args.at(-1) === 'function' ? (args.pop() as (response: unknown) => void) : undefined;
      const data = args.length <= 1 ? args[0] : args;
      if (index === undefined) {
        // Session events (`auth:refresh`) have listeners of their own; anything else is unknown.
        if (socket.listenerCount(event) === 0 && ack) ack(this.door.refuseUnknown(socket, event));
        return;
      }
      void this.door
        .pass(socket, event, data, (parsed) => callbacks[index]?.(parsed, ack))
        .then((response) => ack?.(response));
    });
  }

  private handlerIndex(namespace: string, handlers: MessageMappingProperties[]): Map<string, number> {
    const known = this.handlerIndexes.get(namespace);
    if (
      known?.size === handlers.length &&
      handlers.every((handler, index) => known.get(handler.message as string) === index)
    ) {
      return known;
    }
    const index = new Map(handlers.map((handler, position) => [handler.message as string, position]));
    this.handlerIndexes.set(namespace, index);
    return index;
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
