import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { coalesceWrites, directBroadcastFrom } from './coalesced-writes.js';

/** A receiver: the server's socket, and what its client got, in order. */
interface Receiver {
  server: Socket;
  client: ClientSocket;
  received: number[];
}

/** The socket's Engine.IO connection, as far as these tests read it. */
const connOf = (socket: Socket) => socket.conn as unknown as { id: string; writeBuffer: unknown[] };
const tcpOf = (socket: Socket) =>
  (socket.conn as unknown as { transport: { socket: { _socket: NetSocket } } }).transport.socket._socket;

describe('framed broadcasts to a big room', () => {
  let http: HttpServer;
  let io: Server;
  let url = '';
  /** Engine.IO flushes per connection id: a direct write has none. */
  let flushes: Map<string, number>;

  async function start(options: Partial<ServerOptions> = {}, prepare: (io: Server) => void = () => {}) {
    http = createServer();
    io = new Server(http, options);
    coalesceWrites(io);
    prepare(io);
    flushes = new Map();
    io.engine.on('flush', (conn: { id: string }) => flushes.set(conn.id, (flushes.get(conn.id) ?? 0) + 1));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  }

  afterEach(async () => {
    await new Promise<void>((resolve) => void io.close(() => resolve()));
  });

  async function receiver(transports: ('websocket' | 'polling')[] = ['websocket']): Promise<Receiver> {
    const connected = new Promise<Socket>((resolve) => io.once('connection', resolve));
    const client = connect(url, { transports, forceNew: true });
    const received: number[] = [];
    client.on('n', (n: number) => received.push(n));
    client.on('big', (n: number) => received.push(n));
    const [server] = await Promise.all([connected, new Promise<void>((resolve) => client.once('connect', resolve))]);
    await server.join('room');
    return { server, client, received };
  }

  async function room(count: number, transports?: ('websocket' | 'polling')[]): Promise<Receiver[]> {
    const receivers: Receiver[] = [];
    for (let index = 0; index < count; index++) receivers.push(await receiver(transports));
    return receivers;
  }

  const until = async (done: () => boolean) => {
    for (let waited = 0; !done(); waited += 5) {
      if (waited > 10_000) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
  const flushesOf = ({ server }: Receiver) => flushes.get(connOf(server).id) ?? 0;
  const disconnect = (receivers: Receiver[]) => receivers.forEach(({ client }) => client.disconnect());

  it('writes the frame to each idle WebSocket directly, not through Engine.IO', async () => {
    await start();
    const receivers = await room(directBroadcastFrom);
    await nextTurn();
    const before = receivers.map(flushesOf);
    for (let n = 0; n < 3; n++) io.to('room').emit('n', n);
    await until(() => receivers.every(({ received }) => received.length === 3));
    for (const [index, one] of receivers.entries()) {
      expect(one.received).toEqual([0, 1, 2]);
      expect(flushesOf(one)).toBe(before[index]);
    }
    disconnect(receivers);
  });

  it('reaches each socket of several rooms once, and none of those excepted', async () => {
    await start();
    const receivers = await room(directBroadcastFrom);
    const [excepted, both] = receivers as [Receiver, Receiver, ...Receiver[]];
    await excepted.server.join('excepted');
    await both.server.join('other');
    io.to('room').except('excepted').emit('n', 1);
    io.to(['room', 'other']).emit('n', 2);
    await until(() => receivers.every(({ received }) => received.includes(2)));
    await nextTurn();
    expect(excepted.received).toEqual([2]);
    for (const { received } of receivers.slice(1)) expect(received).toEqual([1, 2]);
    disconnect(receivers);
  });

  it('keeps each connection in order when packets wait above its TCP socket', async () => {
    await start();
    const receivers = await room(directBroadcastFrom);
    const [slow, queued, ...idle] = receivers as [Receiver, Receiver, ...Receiver[]];
    // 32 MB that the kernel cannot take at once: the TCP socket keeps the rest, the transport waits.
    slow.server.emit('big', -1, 'x'.repeat(32_000_000));
    await nextTurn();
    expect(tcpOf(slow.server).writableLength).toBeGreaterThan(0);
    slow.server.emit('n', 0);
    expect(connOf(slow.server).writeBuffer.length).toBe(1);
    // A packet held in Engine.IO's buffer until the check phase.
    queued.server.emit('n', 0);
    expect(connOf(queued.server).writeBuffer.length).toBe(1);
    io.to('room').emit('n', 1);
    io.to('room').emit('n', 2);
    await until(() => receivers.every(({ received }) => received.includes(2)));
    expect(slow.received).toEqual([-1, 0, 1, 2]);
    expect(queued.received).toEqual([0, 1, 2]);
    for (const { received } of idle) expect(received).toEqual([1, 2]);
    disconnect(receivers);
  });

  it('keeps every connection in order with its own packets from every phase of the loop', async () => {
    await start();
    const receivers = await room(directBroadcastFrom);
    let n = 0;
    for (let round = 0; round < 40; round++) {
      const one = receivers[round % receivers.length]!;
      one.server.emit('n', n++);
      io.to('room').emit('n', n++);
      process.nextTick(() => io.to('room').emit('n', n++));
      void Promise.resolve().then(() => one.server.emit('n', n++));
      setImmediate(() => io.to('room').emit('n', n++));
      if (round % 2) await nextTurn();
    }
    await until(() => receivers.every(({ received }) => received.at(-1) === n - 1));
    for (const { received } of receivers) {
      expect(received).toEqual([...received].sort((a, b) => a - b));
      expect(new Set(received).size).toBe(received.length);
    }
    expect(receivers[0]!.received.length).toBeGreaterThan(120);
    disconnect(receivers);
  });

  it('sends through Engine.IO to long-polling connections and those upgrading, in order', async () => {
    await start();
    const polling = await room(2, ['polling']);
    const upgrading = await room(2, ['polling', 'websocket']);
    const websocket = await room(directBroadcastFrom - 4);
    const receivers = [...polling, ...upgrading, ...websocket];
    for (let n = 0; n < 30; n++) {
      io.to('room').emit('n', n);
      if (n % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await until(() => receivers.every(({ received }) => received.length === 30));
    for (const { received } of receivers) expect(received).toEqual(Array.from({ length: 30 }, (_, n) => n));
    for (const one of polling) expect(flushesOf(one)).toBeGreaterThan(0);
    disconnect(receivers);
  });

  it('leaves per-message deflate to Engine.IO', async () => {
    await start({ perMessageDeflate: { threshold: 0 } });
    const receivers = await room(directBroadcastFrom);
    await nextTurn();
    const before = receivers.map(flushesOf);
    io.to('room').emit('n', 1);
    await until(() => receivers.every(({ received }) => received.length === 1));
    for (const [index, one] of receivers.entries()) expect(flushesOf(one)).toBe(before[index]! + 1);
    disconnect(receivers);
  });

  it('leaves connections whose packets are counted (packetCreate) to Engine.IO', async () => {
    let created = 0;
    await start({}, (server) =>
      server.engine.on('connection', (conn: { on: (event: string, listener: () => void) => void }) =>
        conn.on('packetCreate', () => created++),
      ),
    );
    const receivers = await room(directBroadcastFrom);
    created = 0;
    io.to('room').emit('n', 1);
    await until(() => receivers.every(({ received }) => received.length === 1));
    expect(created).toBe(directBroadcastFrom);
    disconnect(receivers);
  });

  it('still collects the acks of a broadcast that expects them, and tells onAnyOutgoing', async () => {
    await start();
    const receivers = await room(directBroadcastFrom);
    for (const { client } of receivers) client.on('ask', (ack: (answer: string) => void) => ack('yes'));
    const outgoing: unknown[] = [];
    receivers[0]!.server.onAnyOutgoing((...args) => outgoing.push(args));
    const answers: unknown = await io.to('room').timeout(5_000).emitWithAck('ask');
    expect(answers).toEqual(receivers.map(() => 'yes'));
    io.to('room').emit('n', 7);
    await until(() => receivers.every(({ received }) => received.length === 1));
    expect(outgoing).toEqual([['ask'], ['n', 7]]);
    disconnect(receivers);
  });
});
