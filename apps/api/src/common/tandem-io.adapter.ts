import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Namespace, Server, ServerOptions } from 'socket.io';
import type { Socket } from 'socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { SocketMiddleware } from '../auth/socket-auth.middleware.js';
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
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const allowedOrigins = this.corsOrigin?.split(',');
    return super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: maxFrameBytes,
      cors: allowedOrigins ? { origin: allowedOrigins, credentials: true } : undefined,
      // CORS headers do not bind WebSocket upgrades: the origin is checked on every handshake.
      allowRequest: (request, callback) => callback(null, isAllowedOrigin(request, allowedOrigins)),
      serveClient: false,
      ...(this.clusterAdapter ? { adapter: this.clusterAdapter } : {}),
    } as ServerOptions) as Server;
  }

  /**
   * One `onAny` listener per socket that sends each event through the `CommandDoor` to its
   * handler, instead of Nest's default of one RxJS pipeline per handler per socket: the same
   * acks, far less memory for each idle connection and less work per message.
   */
  override bindMessageHandlers(socket: Socket, handlers: MessageMappingProperties[]): void {
    const byEvent = new Map(handlers.map((handler) => [handler.message as string, handler]));
    socket.onAny((event: string, ...args: unknown[]) => {
      const handler = byEvent.get(event);
      if (!handler) return;
      // As Nest's own binding sees it: one argument as is, several as an array (the ack last).
      const { data, ack } = this.mapPayload(args.length <= 1 ? args[0] : args);
      void this.door.pass(socket, event, data, (parsed) => handler.callback(parsed, ack)).then((response) => {
        if (typeof ack === 'function') ack(response);
      });
    });
  }

  override create(port: number, options?: ServerOptions & { namespace?: string; server?: Server }): Server | Namespace {
    const created = super.create(port, options) as Server | Namespace;
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
