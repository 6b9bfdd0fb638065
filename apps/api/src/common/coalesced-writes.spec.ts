import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { coalesceWrites, directBroadcastFrom } from './coalesced-writes.js';

/** A connected pair: the server's socket, its TCP writes counted, and the client receiving `n`. */
interface Pair {
  server: Socket;
  client: ClientSocket;
  received: number[];
  writes: () => number;
}

describe(coalesceWrites.name, () => {
  let http: HttpServer;
  let io: Server;
  let url = '';
  const clients: ClientSocket[] = [];

  beforeAll(async () => {
    http = createServer();
    io = new Server(http);
    coalesceWrites(io);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await new Promise<void>((resolve) => void io.close(() => resolve()));
  });

  async function pair(): Promise<Pair> {
    const connected = new Promise<Socket>((resolve) => io.once('connection', resolve));
    const client = connect(url, { transports: ['websocket'], forceNew: true });
    clients.push(client);
    const received: number[] = [];
    client.on('n', (n: number) => received.push(n));
    // The CONNECT packet is written too: counting starts once the client has it.
    const [server] = await Promise.all([
      connected,
      new Promise<void>((resolve) => client.once('connect', () => resolve())),
    ]);
    // Every write of the connection's TCP socket, whichever path Node's stream takes.
    const tcp = (server.conn as unknown as { transport: { socket: { _socket: NetSocket } } }).transport.socket._socket;
    let writes = 0;
    const stream = tcp as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
    for (const method of ['_write', '_writev'] as const) {
      const original = stream[method].bind(tcp);
      stream[method] = (...args: unknown[]) => {
        writes++;
        original(...args);
      };
    }
    return { server, client, received, writes: () => writes };
  }

  const until = async (done: () => boolean) => {
    for (let waited = 0; !done(); waited += 5) {
      if (waited > 5_000) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it("sends a connection's packets of one turn in one write, in order", async () => {
    const { server, received, writes } = await pair();
    for (let n = 0; n < 5; n++) server.emit('n', n);
    await until(() => received.length === 5);
    expect(received).toEqual([0, 1, 2, 3, 4]);
    expect(writes()).toBe(1);
  });

  it('sends a single packet per turn in one write each, to every socket of a room', async () => {
    const pairs = [await pair(), await pair(), await pair()];
    for (const { server } of pairs) await server.join('room');
    for (let n = 0; n < 4; n++) {
      io.to('room').emit('n', n);
      await until(() => pairs.every(({ received }) => received.length === n + 1));
      await nextTurn();
    }
    for (const { received, writes } of pairs) {
      expect(received).toEqual([0, 1, 2, 3]);
      expect(writes()).toBe(4);
    }
  });

  it("sends a room of tens a turn's broadcasts in one write per connection", async () => {
    // A list's members, as in `lists-updates`: a batch of commands makes several broadcasts in one turn.
    const pairs: Pair[] = [];
    for (let index = 0; index < 41; index++) pairs.push(await pair());
    for (const { server } of pairs) await server.join('tens');
    for (let n = 0; n < 3; n++) io.to('tens').emit('n', n);
    await until(() => pairs.every(({ received }) => received.length === 3));
    for (const { received, writes } of pairs) {
      expect(received).toEqual([0, 1, 2]);
      expect(writes()).toBe(1);
    }
    for (const { client } of pairs) client.disconnect();
  });

  it("writes a small room's broadcast frames itself, before the connection's later packets, after its earlier ones", async () => {
    const [held, queued, other] = [await pair(), await pair(), await pair()];
    for (const { server } of [held, queued, other]) await server.join('small');
    let flushes = 0;
    const countFlush = () => flushes++;
    io.engine.on('flush', countFlush);
    try {
      // `held` has nothing waiting: its broadcasts wait as frames, its own packet after them.
      // `queued` has a packet waiting in Engine.IO: the broadcasts go there, after it.
      queued.server.emit('n', 0);
      io.to('small').emit('n', 1);
      held.server.emit('n', 2);
      io.to('small').emit('n', 3);
      await until(() => [held, queued, other].every(({ received }) => received.includes(3)));
      expect(held.received).toEqual([1, 2, 3]);
      expect(queued.received).toEqual([0, 1, 3]);
      expect(other.received).toEqual([1, 3]);
      for (const { writes } of [held, queued, other]) expect(writes()).toBe(1);
      // Engine.IO flushed only the connections with packets of their own: `other` got frames alone.
      expect(flushes).toBe(2);
    } finally {
      io.engine.off('flush', countFlush);
    }
    for (const { client } of [held, queued, other]) client.disconnect();
  });

  it("keeps a small room's connections in order with their own packets from every phase of the loop", async () => {
    const pairs = [await pair(), await pair()];
    for (const { server } of pairs) await server.join('phases');
    const [one, other] = pairs as [Pair, Pair];
    let n = 0;
    /** What went to the room, in the order it was sent. */
    const broadcast: number[] = [];
    const toRoom = () => {
      broadcast.push(n);
      io.to('phases').emit('n', n++);
    };
    for (let round = 0; round < 30; round++) {
      one.server.emit('n', n++);
      toRoom();
      process.nextTick(toRoom);
      void Promise.resolve().then(() => one.server.emit('n', n++));
      setImmediate(toRoom);
      await nextTurn();
    }
    await until(() => one.received.length === 150 && other.received.length === 90);
    expect(one.received).toEqual(Array.from({ length: 150 }, (_, index) => index));
    expect(other.received).toEqual(broadcast);
    for (const { client } of pairs) client.disconnect();
  });

  it('writes a broadcast to a big room at once, except where a packet already waits this turn', async () => {
    const pairs: Pair[] = [];
    for (let index = 0; index < directBroadcastFrom; index++) pairs.push(await pair());
    for (const { server } of pairs) await server.join('big');
    const [first, ...others] = pairs as [Pair, ...Pair[]];
    first.server.emit('n', 0);
    io.to('big').emit('n', 1);
    // Before the loop turns: every other receiver has its write, the first one waits with both packets.
    expect(others.map(({ writes }) => writes())).toEqual(others.map(() => 1));
    expect(first.writes()).toBe(0);
    await until(() => pairs.every(({ received }) => received.includes(1)));
    expect(first.received).toEqual([0, 1]);
    expect(first.writes()).toBe(1);
    for (const { received } of others) expect(received).toEqual([1]);
    for (const { client } of pairs) client.disconnect();
  });

  it('sends packets made while a write is under way once it completes, in order', async () => {
    const { server, received } = await pair();
    let n = 0;
    // Packets from every phase of the loop: synchronously, in ticks, microtasks and the check phase.
    for (let round = 0; round < 50; round++) {
      server.emit('n', n++);
      process.nextTick(() => server.emit('n', n++));
      void Promise.resolve().then(() => server.emit('n', n++));
      setImmediate(() => server.emit('n', n++));
      await nextTurn();
    }
    await until(() => received.length === 200);
    expect(received).toEqual(Array.from({ length: 200 }, (_, index) => index));
  });
});
