import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Namespace, Server, ServerOptions } from 'socket.io';
import type { Socket } from 'socket.io';
import type { SocketMiddleware } from '../auth/socket-auth.middleware.js';

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
    private readonly corsOrigin: string | undefined,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: maxFrameBytes,
      cors: this.corsOrigin ? { origin: this.corsOrigin.split(','), credentials: true } : undefined,
      serveClient: false,
    } as ServerOptions) as Server;
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
