/**
 * A minimal Socket.IO client speaking the Engine.IO v4 / Socket.IO v5 wire format directly over
 * `ws` (websocket transport, text frames, one namespace). It costs the load generator a fraction
 * of `socket.io-client`'s CPU per received frame, and hands event frames over undecoded, so a
 * receiver pays only for what it reads. Used where the load generator would otherwise be the
 * bottleneck: fan-out receivers and senders.
 */
import WebSocket from 'ws';

const PING = 0x32; // '2'
const MESSAGE = 0x34; // '4'
const CONNECT = 0x30; // '0'
const EVENT = 0x32; // '2'
const ACK = 0x33; // '3'
const CONNECT_ERROR = 0x34; // '4'

export type AckCallback = (response: unknown) => void;

export class LightSocket {
  private readonly acks = new Map<number, AckCallback>();
  private nextAckId = 1;
  private readonly prefix: string;
  /** Called with every event frame (`42/<nsp>,[...]`) as received. */
  onEvent: ((frame: Buffer) => void) | undefined;
  /** Called when the connection closes after it was open (whoever closed it). */
  onClose: (() => void) | undefined;
  closed = false;
  /** This side asked for the close (`close()`): not a disconnect to count. */
  closing = false;

  private constructor(
    private readonly ws: WebSocket,
    readonly namespace: string,
  ) {
    this.prefix = namespace === '/' ? '' : `${namespace},`;
  }

  /** Opens the connection and the namespace; rejects with the server's `connect_error` message. */
  static connect(
    baseUrl: string,
    namespace: string,
    auth: Record<string, unknown> | undefined,
    timeoutMs: number,
  ): Promise<LightSocket> {
    const wsUrl = `${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false, skipUTF8Validation: true });
    const socket = new LightSocket(ws, namespace);
    return new Promise<LightSocket>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          ws.terminate();
          reject(error);
        } else resolve(socket);
      };
      const timer = setTimeout(() => settle(new Error(`connect to ${namespace} timed out`)), timeoutMs);
      ws.on('error', (error) => settle(error));
      ws.on('close', () => {
        socket.closed = true;
        if (settled) socket.onClose?.();
        settle(new Error('connection closed during connect'));
      });
      ws.on('message', (data: Buffer) => {
        const type = data[0];
        if (type === PING) {
          ws.send('3');
          return;
        }
        if (type === CONNECT) {
          // Engine.IO open: now open the namespace.
          ws.send(`40${socket.prefix}${auth ? JSON.stringify(auth) : ''}`);
          return;
        }
        if (type !== MESSAGE) return;
        const kind = data[1];
        if (kind === EVENT) socket.onEvent?.(data);
        else if (kind === ACK) socket.handleAck(data);
        else if (kind === CONNECT) settle();
        else if (kind === CONNECT_ERROR) {
          const body = data.toString('utf8', 2 + socket.prefix.length);
          let message = body;
          try {
            message = (JSON.parse(body) as { message?: string }).message ?? body;
          } catch {
            // Keep the raw text.
          }
          settle(new Error(message));
        }
      });
    });
  }

  private handleAck(frame: Buffer): void {
    let index = 2 + this.prefix.length;
    let id = 0;
    while (index < frame.length && frame[index] >= 0x30 && frame[index] <= 0x39) {
      id = id * 10 + frame[index] - 0x30;
      index++;
    }
    const callback = this.acks.get(id);
    if (!callback) return;
    this.acks.delete(id);
    const args = JSON.parse(frame.toString('utf8', index)) as unknown[];
    callback(args[0]);
  }

  /** Sends an event whose ack calls `callback` with the ack's first argument. */
  emit(event: string, payload: unknown, callback?: AckCallback): void {
    if (this.closed) return;
    if (callback) {
      const id = this.nextAckId++;
      this.acks.set(id, callback);
      this.ws.send(`42${this.prefix}${id}${JSON.stringify([event, payload])}`);
    } else {
      this.ws.send(`42${this.prefix}${JSON.stringify([event, payload])}`);
    }
  }

  emitWithAck(event: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${event}: no ack within ${timeoutMs} ms`)), timeoutMs);
      this.emit(event, payload, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
    });
  }

  get outstandingAcks(): number {
    return this.acks.size;
  }

  close(): void {
    this.closing = true;
    this.closed = true;
    this.ws.terminate();
  }
}
