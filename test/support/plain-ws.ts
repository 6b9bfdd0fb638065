import {
  PlainRoute,
  type Ack,
  type PlainAckFrame,
  type PlainEventFrame,
  type PlainReadyFrame,
  type PlainServerFrame,
} from '@tandem/contract';
import WebSocket from 'ws';

const waitLimitMs = 5_000;

/** Every plain client made here, so that teardown can close what a failed test left open. */
const openClients = new Set<PlainWsClient>();

export function closeAllPlainClients(): void {
  for (const client of openClients) client.ws.terminate();
  openClients.clear();
}

/**
 * A plain WebSocket client of `/ws`, as a script or a device would write one: JSON frames, an id
 * per command, broadcasts as `{ns, event, data}`. Records every frame it receives.
 */
export class PlainWsClient {
  readonly frames: PlainServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private nextId = 1;
  private readonly listeners = new Set<(frame: PlainServerFrame) => void>();

  constructor(
    readonly ws: WebSocket,
    readonly opened: Promise<void>,
  ) {
    openClients.add(this);
    ws.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString('utf8')) as PlainServerFrame;
      this.frames.push(frame);
      for (const listener of this.listeners) listener(frame);
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        openClients.delete(this);
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  static open(baseUrl: string, options: WebSocket.ClientOptions = {}): PlainWsClient {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${PlainRoute}`, options);
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new PlainWsClient(ws, opened);
  }

  /** Opens, authenticates with `token`, and resolves with the `ready` frame. */
  static async connect(baseUrl: string, token: string): Promise<{ client: PlainWsClient; ready: PlainReadyFrame }> {
    const client = PlainWsClient.open(baseUrl);
    await client.opened;
    const ready = client.next<PlainReadyFrame>((frame) => 'type' in frame && frame.type === 'ready');
    client.send({ auth: { token } });
    return { client, ready: await ready };
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a command with a fresh id and resolves with its ack. */
  command<T = unknown>(ns: string, event: string, data?: unknown): Promise<Ack<T>> {
    const id = this.nextId++;
    const answered = this.next<PlainAckFrame<T>>((frame) => 'id' in frame && frame.id === id);
    this.send({ id, ns, event, ...(data === undefined ? {} : { data }) });
    return answered.then((frame) => frame.ack);
  }

  async commandOk<T = unknown>(ns: string, event: string, data?: unknown): Promise<T> {
    const ack = await this.command<T>(ns, event, data);
    if (!ack.ok) throw new Error(`${event} failed: ${ack.error.code} ${ack.error.message}`);
    return ack.data;
  }

  /** Payloads of the broadcasts of one event received so far. */
  events<T = unknown>(ns: string, event: string): T[] {
    return this.frames
      .filter((frame): frame is PlainEventFrame<T> => 'event' in frame && frame.ns === ns && frame.event === event)
      .map((frame) => frame.data);
  }

  /** The next frame that matches, or a rejection after the wait limit. */
  next<F extends PlainServerFrame>(matches: (frame: PlainServerFrame) => boolean, limitMs = waitLimitMs): Promise<F> {
    return new Promise((resolve, reject) => {
      const listener = (frame: PlainServerFrame) => {
        if (!matches(frame)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(frame as F);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`no matching frame within ${limitMs} ms`));
      }, limitMs);
      this.listeners.add(listener);
    });
  }

  /** The next broadcast of `event` on `ns` that matches. */
  nextEvent<T = unknown>(ns: string, event: string, matches: (data: T) => boolean = () => true): Promise<T> {
    return this.next<PlainEventFrame<T>>(
      (frame) => 'event' in frame && frame.ns === ns && frame.event === event && matches(frame.data as T),
    ).then((frame) => frame.data);
  }

  close(): void {
    this.ws.close();
  }
}
