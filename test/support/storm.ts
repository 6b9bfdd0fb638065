import {
  ChatBroadcast,
  ChatCommand,
  Namespace,
  type Ack,
  type ChatCommandResults,
  type Message,
  type MessageCreated,
  type SessionCreated,
} from '@tandem/contract';
import { io } from 'socket.io-client';
import type { ChatClient } from './clients.js';
import { PresenceView } from './presence.js';

/** Every storm client made, so that a suite's teardown can close them. */
const stormClients = new Set<StormClient>();

export function closeStormClients(): void {
  for (const client of stormClients) client.socket.disconnect();
  stormClients.clear();
}

/** `work(0..count-1)`, at most `concurrency` at a time; the results in order. */
export async function inBatches<T>(count: number, concurrency: number, work: (index: number) => Promise<T>) {
  const results = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await work(index);
      }
    }),
  );
  return results;
}

type Held = Pick<Message, 'seq' | 'id' | 'text'>;

/**
 * A chat client as the web app behaves in one room: it keeps the messages it was given or heard
 * by seq, and its presence from the join's page and the deltas; when its connection comes back it
 * rejoins with `sinceSeq` at once (reconnection delays of a few hundred milliseconds). Given
 * several node URLs, it connects to the first and tries the next one at each reconnection attempt.
 */
export class StormClient {
  readonly socket: ChatClient;
  readonly presence: PresenceView;
  seq = 0;
  /** Joins answered after the first one. */
  rejoins = 0;
  disconnects = 0;
  readonly failures: string[] = [];
  private readonly messages = new Map<number, Held>();
  private joinedOnce = false;
  private answered = 0;

  constructor(
    url: string | string[],
    session: SessionCreated,
    private readonly roomId: string,
  ) {
    const urls = typeof url === 'string' ? [url] : url;
    this.socket = io(`${urls[0]}${Namespace.Chat}`, {
      auth: { token: session.token },
      transports: ['websocket'],
      forceNew: true,
      autoConnect: false,
      reconnectionDelay: 100,
      reconnectionDelayMax: 300,
    });
    let attempt = 0;
    this.socket.io.on('reconnect_attempt', () => {
      attempt++;
      // Socket.IO's manager reopens its engine on `uri` at each attempt.
      (this.socket.io as unknown as { uri: string }).uri = urls[attempt % urls.length];
    });
    stormClients.add(this);
    this.presence = new PresenceView(this.socket, roomId);
    this.socket.on(ChatBroadcast.MessageCreated, (event: MessageCreated) => this.hold(event.message));
    this.socket.on('disconnect', () => this.disconnects++);
    this.socket.on('connect', () => {
      if (this.joinedOnce) void this.join();
    });
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('connect_error', reject);
      this.socket.connect();
    });
  }

  /** The first join. */
  joined(): Promise<void> {
    this.joinedOnce = true;
    return this.join();
  }

  async send(text: string): Promise<void> {
    await this.socket.timeout(5_000).emitWithAck(ChatCommand.MessageSend, {
      opId: crypto.randomUUID(),
      roomId: this.roomId,
      text,
    });
  }

  /** The messages held, by seq, from the oldest. */
  messagesFrom(): Held[] {
    return [...this.messages.values()].sort((a, b) => a.seq - b.seq);
  }

  private async join(): Promise<void> {
    const rejoin = this.answered > 0;
    this.presence.joining();
    const ack = (await this.socket
      .timeout(60_000)
      .emitWithAck(ChatCommand.RoomJoin, rejoin ? { roomId: this.roomId, sinceSeq: this.seq } : { roomId: this.roomId })
      .catch((error: Error) => ({ ok: false, error: { code: 'NO_ACK', message: error.message } }))) as Ack<
      ChatCommandResults['room:join']
    >;
    if (!ack.ok) {
      this.failures.push(`${ack.error.code}: ${ack.error.message}`);
      return;
    }
    const answer = ack.data;
    if ('changes' in answer) {
      for (const change of answer.changes)
        if (change.event === ChatBroadcast.MessageCreated) this.hold(change.data.message);
    } else for (const message of answer.messages) this.hold(message);
    this.seq = Math.max(this.seq, answer.seq);
    this.presence.start(answer.presence);
    if (rejoin) this.rejoins++;
    this.answered++;
  }

  private hold({ seq, id, text }: Message): void {
    this.messages.set(seq, { seq, id, text });
    this.seq = Math.max(this.seq, seq);
  }
}
