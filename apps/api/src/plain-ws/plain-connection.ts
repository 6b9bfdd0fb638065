import type { IncomingMessage } from 'node:http';
import { AuthFailure, ErrorCode, PlainClose, type AckError, type AuthFailureData } from '@tandem/contract';
import type { Namespace } from 'socket.io';
import type { RawData, WebSocket } from 'ws';
import { PlainClient } from './plain-client.js';
import { ackFrame, errorFrame, readFrame, readyFrame, type BroadcastFrames } from './plain-frames.js';

/** Frames a client may send between its auth frame and `ready`; they are run once it is ready. */
const maxEarlyFrames = 100;

export interface PlainConnectionOptions {
  /** The namespaces a connection joins once authenticated. */
  namespaces: () => Namespace[];
  authTimeoutMs: number;
  broadcasts: BroadcastFrames;
}

/**
 * One plain WebSocket connection: the first frame authenticates it (as a Socket.IO handshake),
 * then each frame is a command or signal for one namespace, and what Socket.IO sends back
 * (acks, broadcasts, session events) leaves as frames. See `PlainClient` for the Socket.IO side.
 */
export class PlainConnection {
  private state: 'awaiting-auth' | 'joining' | 'ready' | 'closed' = 'awaiting-auth';
  private readonly client: PlainClient;
  private readonly early: string[] = [];
  private readonly authTimer: NodeJS.Timeout;
  /** Keepalive: set by each ping, cleared by the pong. */
  private awaitingPong = false;

  constructor(
    private readonly ws: WebSocket,
    request: IncomingMessage,
    private readonly options: PlainConnectionOptions,
  ) {
    this.client = new PlainClient(
      request,
      {
        send: (frame) => this.send(frame),
        writable: () => ws.bufferedAmount === 0,
        isOpen: () => this.state !== 'closed' && ws.readyState === ws.OPEN,
        release: (endedBy) =>
          endedBy ? this.close(PlainClose.Unauthorized, endedBy) : this.close(1001, 'the server closed the connection'),
      },
      options.broadcasts,
    );
    this.authTimer = setTimeout(
      () => this.refuse({ code: 'UNAUTHORIZED', reason: AuthFailure.Missing, message: 'no auth frame in time' }),
      options.authTimeoutMs,
    );
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => (this.awaitingPong = false));
    ws.on('close', () => this.onClose());
    ws.on('error', () => ws.terminate());
  }

  /** Called on every keepalive tick: a connection that did not answer the last ping is dropped. */
  keepAlive(): void {
    if (this.awaitingPong) {
      this.ws.terminate();
      return;
    }
    this.awaitingPong = true;
    this.ws.ping();
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.ws.close(code, reason);
    this.onClose();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.state === 'closed') return;
    if (isBinary) {
      this.send(errorFrame({ code: ErrorCode.Validation, message: 'frames are JSON text, not binary' }));
      return;
    }
    // Text frames arrive as one Buffer (the `ws` default binary type).
    const text = (data as Buffer).toString('utf8');
    if (this.state === 'awaiting-auth') return void this.authenticate(text);
    if (this.state === 'joining') {
      if (this.early.length >= maxEarlyFrames) return this.close(1008, 'too many frames before ready');
      this.early.push(text);
      return;
    }
    this.run(text);
  }

  private async authenticate(text: string): Promise<void> {
    clearTimeout(this.authTimer);
    const frame = readFrame(text);
    if (frame.kind !== 'auth') {
      return this.refuse({
        code: 'UNAUTHORIZED',
        reason: AuthFailure.Missing,
        message: 'the first frame must be {"auth":{"token":"…"}}',
      });
    }
    this.state = 'joining';
    const joined = await this.client.join(this.options.namespaces(), frame.auth);
    if (this.state !== 'joining') return;
    if (!joined.ok) {
      const failure = joined.refusal.data as AuthFailureData | undefined;
      if (failure?.code === 'UNAUTHORIZED') return this.refuse(failure);
      this.send(errorFrame({ code: ErrorCode.Internal, message: 'the connection could not be set up: retry' }));
      return this.close(1011, 'internal error');
    }
    this.state = 'ready';
    this.send(readyFrame(joined.data.user, joined.data.tokenExpiresAt));
    for (const early of this.early.splice(0)) this.run(early);
  }

  /** One frame after `ready`: a command or signal for a namespace, or a frame answered VALIDATION. */
  private run(text: string): void {
    const frame = readFrame(text);
    if (frame.kind === 'invalid') return this.answer(frame.id, frame.error);
    if (frame.kind === 'auth') {
      const error = { code: ErrorCode.Validation, message: 'already signed in: send auth:refresh to change the token' };
      return this.answer(undefined, error);
    }
    const { id, ns, event, data } = frame.frame;
    if (!this.client.has(ns)) return this.answer(id, { code: ErrorCode.NotFound, message: `unknown namespace ${ns}` });
    this.client.deliver(ns, event, data, id);
  }

  /** A refusal the client can match: in the command's ack if it had an id, else in an `error` frame. */
  private answer(id: string | number | undefined, error: AckError): void {
    this.send(id === undefined ? errorFrame(error) : ackFrame(id, { ok: false, error }));
  }

  /** Refused authentication: said in a frame, then closed with 4401 and the handshake's reason word. */
  private refuse(failure: AuthFailureData): void {
    if (this.state === 'closed') return;
    this.send(
      errorFrame({ code: ErrorCode.Unauthorized, message: failure.message, details: { reason: failure.reason } }),
    );
    this.close(PlainClose.Unauthorized, failure.reason);
  }

  private send(frame: string | Buffer): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(frame, { binary: false });
  }

  private onClose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.authTimer);
    this.early.length = 0;
    this.client.closed('transport close');
  }
}
