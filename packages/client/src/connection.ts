import {
  AuthBroadcast,
  AuthCommand,
  ServerBroadcast,
  type AuthRefreshed,
  type AuthRefreshInput,
  type Namespace,
} from '@tandem/contract';
import type { Manager } from 'socket.io-client';
import type { Environment } from './environment.js';
import { Store } from './store.js';
import {
  emitWithAck,
  openSocket,
  type AnySocket,
  type Command,
  type CommandOutcome,
  type CommandPayload,
  type CommandResult,
  type NamespaceSocket,
  type SocketChannel,
} from './transport.js';

export type ConnectionState = 'connected' | 'reconnecting' | 'offline';

/** How a namespace's connection is, as a status line shows it. */
export interface ConnectionStatus {
  readonly connection: ConnectionState;
  /** False until the first successful connection: "connecting" rather than "reconnecting". */
  readonly everConnected: boolean;
}

/** What a connection needs from the signed-in session. */
export interface SessionLink {
  token(): string | null;
  /** A refused handshake or `auth:expired`: true when the session is over (back to sign-in). */
  refused(reason: string): boolean;
  /** Calls `listener` with every refreshed token, until the returned function is called. */
  onRefreshed(listener: (token: string) => void): () => void;
}

/** What the feature on a connection does when it (re)connects. */
export interface ConnectionHooks {
  /** After a (re)connection: rejoin what is open, so that nothing missed stays missing. */
  resync(firstTime: boolean): Promise<unknown>;
  /** After the resync: send what was queued, so that it lands after what was missed. */
  flush(): void;
  /** The connection dropped. */
  disconnected?(): void;
}

const reconnectDelayMinMs = 1_000;
const reconnectDelayMaxMs = 10_000;

/**
 * One namespace's socket for the whole session: commands with an ack timeout, reconnecting (with
 * back-off and jitter), and the session's lifecycle on the socket (`auth:refresh`,
 * `auth:expired`, `server:draining`). On every connection the feature catches up (`resync`)
 * before its queue is sent (`flush`).
 */
export class Connection<N extends Namespace> {
  readonly status = new Store<ConnectionStatus>({ connection: 'reconnecting', everConnected: false });
  readonly socket: NamespaceSocket<N>;
  private readonly channel: SocketChannel<N>;
  /** The same socket, seen through the events every namespace shares. */
  private readonly shared: AnySocket;
  private hooks: ConnectionHooks = { resync: async () => undefined, flush: () => undefined };
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectDelayMs = reconnectDelayMinMs;
  private readonly cleanups: (() => void)[] = [];
  /** Stopped, or the session ended: nothing reconnects any more. */
  private over = false;

  constructor(
    engine: Manager,
    readonly namespace: N,
    private readonly session: SessionLink,
    private readonly environment: Environment,
  ) {
    this.channel = openSocket(engine, namespace, () => session.token());
    this.socket = this.channel.socket;
    this.shared = this.socket;
  }

  get connected(): boolean {
    return this.shared.connected;
  }

  /** The socket may still look connected for a while after the network is gone. */
  canSend(): boolean {
    return this.shared.connected && this.environment.online();
  }

  /** Connects, and stays connected until `stop()`; `hooks` run on every connection. */
  start(hooks: ConnectionHooks): void {
    this.hooks = hooks;
    const socket = this.shared;
    socket.on('connect', () => this.onConnect());
    socket.on('disconnect', (reason) => this.onDisconnect(reason));
    socket.on('connect_error', (error) => this.onConnectError(error));
    // The engine is shared by the namespaces of this client: remove exactly what was added.
    const attempt = () => this.updateConnection();
    socket.io.on('reconnect_attempt', attempt);
    socket.io.on('reconnect_failed', attempt);
    this.cleanups.push(() => {
      socket.io.off('reconnect_attempt', attempt);
      socket.io.off('reconnect_failed', attempt);
    });
    this.watchSession();
    this.cleanups.push(
      this.environment.onOnlineChange(() => {
        if (this.environment.online() && !socket.connected && !socket.active && !this.over) socket.connect();
        this.updateConnection();
        if (this.canSend()) this.hooks.flush();
      }),
    );
    socket.connect();
    this.updateConnection();
  }

  stop(): void {
    this.over = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.shared.disconnect();
    this.shared.removeAllListeners();
  }

  /** Sends one command and waits for its ack; never throws (no answer is `NO_ANSWER`). */
  send<C extends Command<N>>(command: C, payload: CommandPayload<N, C>): Promise<CommandOutcome<CommandResult<N, C>>> {
    return this.channel.send(command, payload);
  }

  // ---- the session on this socket -------------------------------------------------------------

  private watchSession(): void {
    this.shared.on(AuthBroadcast.Expired, (payload) => {
      this.over = true;
      this.session.refused(payload.reason);
    });
    this.shared.on(ServerBroadcast.Draining, ({ reconnectWithinMs }) => {
      // Leave now, and come back at a random moment of the window the server gave, so that its
      // clients do not all arrive at once wherever they reconnect. (Armed first: the status then
      // says "reconnecting" rather than "offline" meanwhile.)
      this.scheduleReconnect(Math.random() * reconnectWithinMs);
      this.shared.disconnect();
    });
    this.cleanups.push(this.session.onRefreshed((token) => void this.presentToken(token)));
  }

  /** Hands a refreshed token to the live socket (a closed one presents it when it reconnects). */
  private async presentToken(token: string): Promise<void> {
    if (!this.shared.connected) return;
    const payload: AuthRefreshInput = { token };
    const outcome = await emitWithAck<AuthRefreshed>(this.shared, AuthCommand.Refresh, payload);
    if (outcome.ok || !this.shared.connected || this.over) return;
    // Not taken in band: a new handshake presents it instead, before the old one runs out.
    this.shared.disconnect();
    this.shared.connect();
    this.updateConnection();
  }

  // ---- connection ---------------------------------------------------------------------------

  private onConnect(): void {
    const firstTime = !this.status.get().everConnected;
    this.reconnectDelayMs = reconnectDelayMinMs;
    this.updateConnection(true);
    // Queued commands go out once what was missed is caught up, so they land after it.
    void this.hooks
      .resync(firstTime)
      .catch(() => undefined)
      .finally(() => this.hooks.flush());
  }

  private onDisconnect(reason: string): void {
    this.hooks.disconnected?.();
    if (reason === 'io server disconnect') this.scheduleReconnect();
    this.updateConnection();
  }

  private onConnectError(error: Error): void {
    if (!this.shared.active) {
      // Refused by the server itself (not a network failure): Socket.IO will not retry this.
      if (this.session.refused(error.message)) {
        this.over = true;
        return;
      }
      this.scheduleReconnect();
    }
    this.updateConnection();
  }

  /**
   * The server closed the connection on purpose (a restart, say): try again after `delayMs`, or
   * by default after a back-off with jitter, so that a restarted server's clients spread out.
   */
  private scheduleReconnect(delayMs = this.reconnectDelayMs * (0.5 + Math.random())): void {
    if (this.reconnectTimer || this.over) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.over) return;
      this.shared.connect();
      this.updateConnection();
    }, delayMs);
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, reconnectDelayMaxMs);
    this.updateConnection();
  }

  private updateConnection(connectedNow = false): void {
    let connection: ConnectionState;
    if (!this.environment.online()) connection = 'offline';
    else if (this.shared.connected) connection = 'connected';
    else if (this.shared.active || this.reconnectTimer) connection = 'reconnecting';
    else connection = 'offline';
    const everConnected = this.status.get().everConnected || connectedNow;
    this.status.set({ connection, everConnected });
  }
}
