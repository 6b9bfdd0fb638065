import {
  AuthBroadcast,
  AuthCommand,
  ErrorCode,
  ServerBroadcast,
  timeOrderedId,
  type AuthRefreshInput,
  type AuthRefreshed,
  type Namespace,
  type User,
} from '@tandem/contract';
import { onMount } from 'svelte';
import { notices } from './notices.svelte.js';
import { Outbox, type Kept } from './outbox.js';
import type { SessionLink } from './session.svelte.js';
import {
  ClientErrorCode,
  createSocket,
  emitWithAck,
  type AnySocket,
  type Command,
  type CommandError,
  type CommandOutcome,
  type CommandPayload,
  type CommandResult,
  type NamespaceConnection,
  type NamespaceSocket,
} from './sockets.js';

export type ConnectionState = 'connected' | 'reconnecting' | 'offline';

/**
 * How joining a board or list ended: `gone` (not found, or closed to this user), `refused` (any
 * other refusal), or `later` (the server could not take it now: draining, or the connection
 * dropped), which the next connection's resync tries again.
 */
export type JoinResult = 'joined' | 'gone' | 'refused' | 'later';

/** What the top bar shows of a manager: who is signed in, and how the connection is. */
export interface ConnectionStatus {
  readonly me: User;
  readonly connection: ConnectionState;
  readonly everConnected: boolean;
}

/** The sidebar's list (rooms, boards, lists) is refreshed on this period: others create without a broadcast. */
const catalogRefreshMs = 30_000;
const reconnectDelayMinMs = 1_000;
const reconnectDelayMaxMs = 10_000;
/** A rate-limited command whose answer names no wait is tried again after this. */
const rateLimitRetryMs = 1_000;

/** Keeps a manager connected while the component that calls this (in its set-up) is mounted. */
export function connectWhileMounted<M extends { start(): void; stop(): void }>(manager: M): M {
  onMount(() => {
    manager.start();
    return () => manager.stop();
  });
  return manager;
}

/** A new `opId`: time-ordered, which is the cheapest kind for the server to store (see `timeOrderedId`). */
export function newOpId(): string {
  return timeOrderedId();
}

/** One field of an error's `details`, whose shape depends on the error. */
function detail(details: unknown, key: string): unknown {
  return typeof details === 'object' && details !== null ? (details as Record<string, unknown>)[key] : undefined;
}

/**
 * What the managers of `/chat`, `/scoreboard` and `/lists` share: one socket and its connection
 * state, commands with an ack timeout, reconnecting (with backoff and jitter), the session's
 * lifecycle on the socket (`auth:refresh`, `auth:expired`, `server:draining`), the rule for
 * queued commands that failed, the periodic refresh of the sidebar's list, and the id of the
 * open room, board or list, remembered across reloads.
 *
 * On every connection a subclass catches up (`resync`) before its queue is sent (`flush`), so
 * what was queued offline lands after what was missed.
 *
 * The queue (`Q`, commands not acknowledged yet) and the view it applies to (`S`, as last seen)
 * are kept in the user's outbox, so that a reload, even offline, shows them again and sends the
 * commands once connected, with their `opId`s. A subclass only says what they are (`queued`,
 * `lastSeen`) and how to take them back (`restoreKept`): they are kept after every change.
 */
export abstract class NamespaceManager<N extends Namespace, Q extends { opId: string }, S> implements ConnectionStatus {
  readonly me: User;
  connection = $state<ConnectionState>('reconnecting');
  /** False until the first successful connection: "connecting" rather than "reconnecting". */
  everConnected = $state(false);
  /** The sidebar's list is being loaded on request (quiet refreshes do not show it). */
  catalogLoading = $state(false);

  protected readonly socket: NamespaceSocket<N>;
  private readonly channel: NamespaceConnection<N>;
  /** The same socket, seen through the events every namespace shares. */
  private readonly shared: AnySocket;
  private readonly session: SessionLink;
  private readonly rememberedKey: string;
  private readonly outbox: Outbox<Q, S>;
  /** Settles once what the outbox kept is back in place: a connection waits for it. */
  private restored: Promise<void> = Promise.resolve();
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectDelayMs = reconnectDelayMinMs;
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>();
  private readonly cleanups: (() => void)[] = [];
  /** Stopped, or the session ended: nothing reconnects any more. */
  private over = false;

  /** `remembers`: what the open thing is called in storage (`room`, `board`, `list`). */
  constructor(namespace: N, session: SessionLink, remembers: string) {
    if (!session.user) throw new Error('a namespace manager needs a signed-in user');
    this.me = session.user;
    this.session = session;
    this.channel = createSocket(namespace, () => session.token);
    this.socket = this.channel.socket;
    this.shared = this.socket;
    this.rememberedKey = `tandem.${remembers}.${this.me.id}`;
    this.outbox = new Outbox(this.me.id, namespace);
  }

  /** Reloads the sidebar's list; `quiet` keeps failures and the loading state out of sight. */
  abstract refreshCatalog(quiet?: boolean): Promise<void>;
  /** Subscribes to the namespace's broadcasts (and anything else the subclass listens to). */
  protected abstract subscribe(): void;
  /** After a (re)connection: rejoin what is open, so that nothing missed stays missing. */
  protected abstract resync(firstTime: boolean): Promise<unknown>;
  /** Sends what was queued while it could not be sent. */
  protected abstract flush(): void;
  /**
   * The commands to keep until the server has answered them, in the order they were made, as
   * they would be sent again (a command on the wire is kept as queued). Read inside an effect:
   * whatever it reads is watched.
   */
  protected abstract queued(): Q[];
  /** What is open and how it looks, for a reload to show before it connects. Read inside an effect. */
  protected abstract lastSeen(): S | null;
  /** Takes back what an earlier visit kept (before the first connection catches up). */
  protected abstract restoreKept(kept: Kept<Q, S>): void;
  /** The connection dropped; what only holds while connected (typing, say) is cleared. */
  protected onDisconnected(): void {}
  /** Stops the subclass's own timers. */
  protected dispose(): void {}

  start(): void {
    const socket = this.shared;
    socket.on('connect', () => this.onConnect());
    socket.on('disconnect', (reason) => this.onDisconnect(reason));
    socket.on('connect_error', (error) => this.onConnectError(error));
    // The manager is shared by every socket of this origin: remove exactly what was added.
    const attempt = () => this.updateConnection();
    socket.io.on('reconnect_attempt', attempt);
    socket.io.on('reconnect_failed', attempt);
    this.cleanups.push(() => {
      socket.io.off('reconnect_attempt', attempt);
      socket.io.off('reconnect_failed', attempt);
    });
    this.watchSession();
    this.subscribe();
    this.restored = this.outbox.restore().then((kept) => {
      if (this.over) return;
      this.restoreKept(kept);
      this.keepInOutbox();
    });

    this.listen(window, 'online', () => {
      if (!socket.connected && !socket.active) socket.connect();
      this.updateConnection();
      if (socket.connected) this.flush();
    });
    this.listen(window, 'offline', () => this.updateConnection());
    this.listen(window, 'focus', () => {
      if (socket.connected) void this.refreshCatalog(true);
    });
    const catalogTimer = setInterval(() => {
      if (socket.connected && !document.hidden) void this.refreshCatalog(true);
    }, catalogRefreshMs);
    this.cleanups.push(() => clearInterval(catalogTimer));

    socket.connect();
    this.updateConnection();
  }

  stop(): void {
    this.over = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.outbox.close();
    this.dispose();
    this.shared.disconnect();
    this.shared.removeAllListeners();
  }

  // ---- for subclasses -----------------------------------------------------------------------

  /** Sends one command and waits for its ack; never throws (no answer is `NO_ANSWER`). */
  protected request<C extends Command<N>>(
    command: C,
    payload: CommandPayload<N, C>,
  ): Promise<CommandOutcome<CommandResult<N, C>>> {
    return this.channel.send(command, payload);
  }

  /** The socket may still look connected for a while after the network is gone. */
  protected canSend(): boolean {
    return this.shared.connected && navigator.onLine;
  }

  /**
   * What becomes of a queued command that was not applied: `'reconnect'` (kept, and sent again
   * with the same `opId` once the connection is back), a wait in ms, or null (refused: give up).
   */
  protected retryPlan(error: CommandError): 'reconnect' | number | null {
    if (error.code === ClientErrorCode.NoAnswer && !this.canSend()) return 'reconnect';
    // A draining server refuses what it would have applied: the node reached next will apply it.
    if (error.code === ErrorCode.Unavailable) return 'reconnect';
    if (error.code !== ErrorCode.RateLimited) return null;
    const retryAfterMs = detail(error.details, 'retryAfterMs');
    return typeof retryAfterMs === 'number' ? retryAfterMs : rateLimitRetryMs;
  }

  /**
   * Says why a join failed and how it ended; a room, board or list that is gone is no longer
   * remembered. Resuming (a resync), a `later` failure is not worth a word: it is tried again.
   */
  protected joinFailed(error: CommandError, what: string, resuming: boolean): Exclude<JoinResult, 'joined'> {
    const result =
      this.retryPlan(error) === 'reconnect'
        ? 'later'
        : error.code === ErrorCode.Forbidden || error.code === ErrorCode.NotFound
          ? 'gone'
          : 'refused';
    if (result === 'gone') this.remember(null);
    if (result !== 'later' || !resuming) notices.error(`Could not open ${what}: ${error.message}`);
    return result;
  }

  /** Runs `retry` after `delayMs`, if it can be sent by then; otherwise the next `flush` will. */
  protected retryLater(delayMs: number, retry: () => void): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.canSend()) retry();
    }, delayMs);
    this.retryTimers.add(timer);
  }

  /** Reloads the sidebar's list with `request`, showing progress and failures unless `quiet`. */
  protected async loadCatalog<T>(
    quiet: boolean,
    what: string,
    request: () => Promise<CommandOutcome<T>>,
    apply: (data: T) => void,
  ): Promise<void> {
    this.catalogLoading = !quiet;
    const outcome = await request();
    this.catalogLoading = false;
    if (outcome.ok) apply(outcome.data);
    else if (!quiet) notices.error(`Could not load ${what}: ${outcome.error.message}`);
  }

  /** The id of the open room, board or list, kept for the next visit (null forgets it). */
  protected remember(id: string | null): void {
    if (id) localStorage.setItem(this.rememberedKey, id);
    else localStorage.removeItem(this.rememberedKey);
  }

  protected remembered(): string | null {
    return localStorage.getItem(this.rememberedKey);
  }

  /** Adds a DOM listener that `stop()` removes. */
  protected listen(target: EventTarget, type: string, listener: () => void): void {
    target.addEventListener(type, listener);
    this.cleanups.push(() => target.removeEventListener(type, listener));
  }

  // ---- the outbox ---------------------------------------------------------------------------

  /** From now on, every change of the queue or the view is written to the outbox. */
  private keepInOutbox(): void {
    const outbox = this.outbox;
    this.cleanups.push(
      $effect.root(() => {
        // The view first: when both changed, a command is written after the view it applies to.
        // A snapshot of S is an S without its proxies, which Svelte's Snapshot<S> type cannot say.
        /* eslint-disable @typescript-eslint/no-unnecessary-type-assertion */
        $effect(() => outbox.keepLastSeen($state.snapshot(this.lastSeen()) as S | null));
        $effect(() => outbox.sync($state.snapshot(this.queued()) as Q[]));
        /* eslint-enable @typescript-eslint/no-unnecessary-type-assertion */
      }),
    );
  }

  // ---- the session on this socket -------------------------------------------------------------

  private watchSession(): void {
    this.shared.on(AuthBroadcast.Expired, (payload) => {
      this.over = true;
      this.session.refused(payload.reason);
    });
    this.shared.on(ServerBroadcast.Draining, ({ reconnectWithinMs }) => {
      // Leave now, and come back at a random moment of the window the server gave, so that its
      // clients do not all arrive at once wherever they reconnect. (Armed first: the badge then
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
    const firstTime = !this.everConnected;
    this.everConnected = true;
    this.reconnectDelayMs = reconnectDelayMinMs;
    this.updateConnection();
    void this.refreshCatalog(true);
    // Queued commands go out once what was missed is caught up, so they land after it.
    void this.restored.then(() => this.resync(firstTime)).finally(() => this.flush());
  }

  private onDisconnect(reason: string): void {
    this.onDisconnected();
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
   * by default after a backoff with jitter, so that a restarted server's clients spread out.
   */
  private scheduleReconnect(delayMs = this.reconnectDelayMs * (0.5 + Math.random())): void {
    if (this.reconnectTimer || this.over) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.shared.connect();
      this.updateConnection();
    }, delayMs);
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, reconnectDelayMaxMs);
    this.updateConnection();
  }

  private updateConnection(): void {
    if (!navigator.onLine) this.connection = 'offline';
    else if (this.shared.connected) this.connection = 'connected';
    else if (this.shared.active || this.reconnectTimer) this.connection = 'reconnecting';
    else this.connection = 'offline';
  }
}
