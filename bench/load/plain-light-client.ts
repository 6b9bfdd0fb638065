/**
 * A minimal client of Tandem's plain WebSocket endpoint (`/ws`): the auth frame, commands with
 * ids, acks matched by id, and every other frame handed over undecoded (as `LightSocket` does for
 * Socket.IO), so a receiver pays only for what it reads.
 */
import { PlainRoute } from '@tandem/contract';
import WebSocket from 'ws';
import type { AckCallback } from './light-client.js';

const OPEN_BRACE = 0x7b; // '{'
const QUOTE = 0x22; // '"'
const LETTER_I = 0x69; // 'i' of "id"
const LETTER_D = 0x64; // 'd' of "id"
const readyPrefix = Buffer.from('{"type":"ready"');

export class PlainLightSocket {
  private readonly acks = new Map<number, AckCallback>();
  private nextAckId = 1;
  /** Called with every broadcast frame (`{"ns":…,"event":…,"data":…}`) as received. */
  onEvent: ((frame: Buffer) => void) | undefined;
  closed = false;

  private constructor(
    private readonly ws: WebSocket,
    readonly namespace: string,
  ) {}

  /** Opens `/ws` and authenticates; resolves on `ready`, rejects with the close reason. */
  static connect(
    baseUrl: string,
    namespace: string,
    auth: Record<string, unknown>,
    timeoutMs: number,
  ): Promise<PlainLightSocket> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${PlainRoute}`, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    const socket = new PlainLightSocket(ws, namespace);
    return new Promise<PlainLightSocket>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error('/ws: no ready in time'));
      }, timeoutMs);
      ws.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      ws.on('open', () => ws.send(JSON.stringify({ auth })));
      ws.on('close', (code, reason) => {
        socket.closed = true;
        clearTimeout(timer);
        if (!ready) reject(new Error(`/ws closed ${code} ${reason.toString()}`));
      });
      ws.on('message', (data: Buffer) => {
        // `{"id":` starts an ack; `{"type":` ready or error; anything else is a broadcast.
        if (data[0] === OPEN_BRACE && data[1] === QUOTE && data[2] === LETTER_I && data[3] === LETTER_D) {
          socket.handleAck(data);
        } else if (!ready && data.subarray(0, readyPrefix.length).equals(readyPrefix)) {
          ready = true;
          clearTimeout(timer);
          resolve(socket);
        } else socket.onEvent?.(data);
      });
    });
  }

  private handleAck(frame: Buffer): void {
    const { id, ack } = JSON.parse(frame.toString('utf8')) as { id: number; ack: unknown };
    const callback = this.acks.get(id);
    if (!callback) return;
    this.acks.delete(id);
    callback(ack);
  }

  emit(event: string, payload: unknown, callback?: AckCallback): void {
    if (this.closed) return;
    if (!callback) {
      this.ws.send(JSON.stringify({ ns: this.namespace, event, data: payload }));
      return;
    }
    const id = this.nextAckId++;
    this.acks.set(id, callback);
    this.ws.send(JSON.stringify({ id, ns: this.namespace, event, data: payload }));
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
    this.closed = true;
    this.ws.terminate();
  }
}
