import type { IncomingMessage } from 'node:http';
import { AuthCommand, type AuthFailure, type AuthFailureData, type PlainFrameId } from '@tandem/contract';
import type { Namespace, Socket } from 'socket.io';
import type { SocketData } from '../common/socket-user.decorator.js';
import { ackFrame, eventFrame, type BroadcastFrames } from './plain-frames.js';

/** Socket.IO's packet types (socket.io-parser) that reach a client. */
const PacketType = { Connect: 0, Disconnect: 1, Event: 2, Ack: 3, ConnectError: 4 } as const;

interface Packet {
  type: number;
  nsp: string;
  data?: unknown;
  id?: PlainFrameId;
}

type SocketIoClient = Parameters<Namespace['_add']>[0];
type SocketIoPacket = Parameters<Socket['_onpacket']>[0];

/** What the plain connection does with what Socket.IO sends through this client. */
export interface PlainClientOutput {
  /** A text frame (bytes already UTF-8 for broadcasts, shared by every connection). */
  send(frame: string | Buffer): void;
  /** Whether a frame sent now would go out at once (volatile broadcasts are skipped otherwise). */
  writable(): boolean;
  isOpen(): boolean;
  /** Socket.IO let go of the connection: its session ended (why), or the server is closing (null). */
  release(endedBy: AuthFailure | null): void;
}

export type JoinOutcome = { ok: true; data: SocketData } | { ok: false; refusal: { message: string; data?: unknown } };

/**
 * Stands in for a Socket.IO client (the object behind each socket's `client`) for one plain
 * WebSocket connection. Each namespace the connection uses gets a real Socket.IO `Socket`,
 * admitted by the namespace's own middleware (handshake authentication), seen by the gateways'
 * connection hooks and the session expiry, with its commands run through the command door and
 * its rooms kept by the adapter — so broadcasts from any node reach it as they reach any socket.
 * Only the encoding differs: packets become JSON frames here instead of Engine.IO packets.
 *
 * Socket.IO calls `_packet`, `writeToEngine`, `_remove` and `_disconnect`, and reads `conn` and
 * `request`: the part of its (internal) client that its `Namespace` and `Socket` use, in
 * socket.io 4.8, which the project pins exactly.
 */
export class PlainClient {
  readonly conn: {
    protocol: 4;
    readonly readyState: 'open' | 'closed';
    remoteAddress: string | undefined;
    request: IncomingMessage;
    transport: { name: string; readonly writable: boolean };
  };
  private readonly sockets = new Map<string, Socket>();
  private readonly joining = new Map<string, (outcome: JoinOutcome) => void>();

  constructor(
    readonly request: IncomingMessage,
    private readonly output: PlainClientOutput,
    private readonly broadcasts: BroadcastFrames,
  ) {
    this.conn = {
      protocol: 4,
      get readyState() {
        return output.isOpen() ? 'open' : 'closed';
      },
      remoteAddress: request.socket.remoteAddress,
      request,
      transport: {
        name: 'plain-websocket',
        get writable() {
          return output.writable();
        },
      },
    };
  }

  /** Connects to every namespace, as a handshake with `auth`; the first refusal wins. */
  async join(namespaces: Namespace[], auth: Record<string, unknown>): Promise<JoinOutcome> {
    const outcomes = await Promise.all(namespaces.map((namespace) => this.joinOne(namespace, auth)));
    return (
      outcomes.find((outcome) => !outcome.ok) ??
      outcomes[0] ?? { ok: false, refusal: { message: 'no namespace to join' } }
    );
  }

  private joinOne(namespace: Namespace, auth: Record<string, unknown>): Promise<JoinOutcome> {
    return new Promise((resolve) => {
      this.joining.set(namespace.name, resolve);
      namespace
        ._add(this as unknown as SocketIoClient, auth, (socket) => {
          this.sockets.set(namespace.name, socket);
          this.joining.delete(namespace.name);
          resolve({ ok: true, data: socket.data as SocketData });
        })
        .catch((error: unknown) => {
          this.joining.delete(namespace.name);
          resolve({ ok: false, refusal: { message: String(error) } });
        });
    });
  }

  has(namespace: string): boolean {
    return this.sockets.has(namespace);
  }

  /**
   * Hands a command or signal to its namespace's socket, as Socket.IO's own client does with a
   * decoded packet. `auth:refresh` is the connection's: every namespace's socket takes the new
   * token (only the addressed one answers), so no namespace expires before the others.
   */
  deliver(namespace: string, event: string, data: unknown, id: PlainFrameId | undefined): void {
    const targets =
      event === AuthCommand.Refresh
        ? [...this.sockets.entries()]
        : [[namespace, this.sockets.get(namespace)] as const].filter(([, socket]) => socket);
    for (const [name, socket] of targets) {
      const packet: Packet = {
        type: PacketType.Event,
        nsp: name,
        data: data === undefined ? [event] : [event, data],
        ...(name === namespace && id !== undefined ? { id } : {}),
      };
      socket?._onpacket(packet as SocketIoPacket);
    }
  }

  /** The connection closed: every socket disconnects, as on a transport close. */
  closed(reason: string): void {
    for (const resolve of this.joining.values()) resolve({ ok: false, refusal: { message: reason } });
    this.joining.clear();
    const sockets = [...this.sockets.values()];
    this.sockets.clear();
    for (const socket of sockets) socket._onclose('transport close', reason);
  }

  // ---- called by Socket.IO --------------------------------------------------------------------

  /** A packet for this client alone: a connection answer, an event to one socket, or an ack. */
  _packet(packet: Packet, opts: { volatile?: boolean; preEncoded?: boolean } = {}): void {
    if (!this.output.isOpen()) return;
    if (opts.preEncoded) return this.writeToEngine(packet, opts);
    switch (packet.type) {
      case PacketType.ConnectError:
        this.joining.get(packet.nsp)?.({
          ok: false,
          refusal: packet.data as { message: string; data?: AuthFailureData },
        });
        this.joining.delete(packet.nsp);
        return;
      case PacketType.Event: {
        if (opts.volatile && !this.output.writable()) return;
        const [event, data] = packet.data as [string, unknown];
        return this.output.send(eventFrame(packet.nsp, event, data));
      }
      case PacketType.Ack:
        if (packet.id !== undefined) this.output.send(ackFrame(packet.id, (packet.data as [never])[0]));
        return;
    }
  }

  /** A broadcast, encoded once by the adapter for every socket of its rooms. */
  writeToEngine(encoded: unknown, opts: { volatile?: boolean }): void {
    if (!this.output.isOpen() || (opts.volatile && !this.output.writable())) return;
    for (const frame of this.broadcasts.framesOf(encoded)) this.output.send(frame);
  }

  /** A socket left (the server disconnected it): the connection speaks for every namespace, or none. */
  _remove(socket: Socket): void {
    if (this.sockets.get(socket.nsp.name) !== socket) return;
    this.sockets.delete(socket.nsp.name);
    this.output.release(endedBy(socket));
  }

  /** `socket.disconnect(true)`: every namespace, and the connection. */
  _disconnect(): void {
    const sockets = [...this.sockets.values()];
    const ended = sockets.map(endedBy).find((reason) => reason !== null) ?? null;
    this.sockets.clear();
    for (const socket of sockets) socket.disconnect();
    this.output.release(ended);
  }
}

function endedBy(socket: Socket): AuthFailure | null {
  return (socket.data as SocketData).endedBy ?? null;
}
