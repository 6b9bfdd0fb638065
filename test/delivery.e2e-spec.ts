import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import {
  ChatBroadcast,
  ChatCommand,
  Namespace,
  ServerBroadcast,
  type Ack,
  type ChatCommandResults,
  type MessageCreated,
  type RoomResync,
  type RoomSnapshot,
} from '@tandem/contract';
import {
  closeAllClients,
  connect,
  commandOk,
  eventually,
  signIn,
  socketFor,
  type ChatClient,
} from './support/clients.js';
import { spawnServer, type ServerProcess } from './support/process.js';

/** Five clients sending acked messages in a loop; what was acked, and what was sent but not acked. */
async function startSenders(url: string, count: number) {
  const owner = await signIn(url, 'owner');
  const ownerSocket = await connect(socketFor<ChatClient>(url, Namespace.Chat, owner.token));
  const { room } = await commandOk<ChatCommandResults['room:create']>(ownerSocket, ChatCommand.RoomCreate, {
    name: 'stream',
  });
  const senders = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const session = await signIn(url, `sender-${i}`);
      const socket = await connect(socketFor<ChatClient>(url, Namespace.Chat, session.token));
      await commandOk(socket, ChatCommand.RoomJoin, { roomId: room.id });
      return {
        session,
        socket,
        acked: new Map<string, string>(),
        unacked: new Map<string, string>(),
        errors: [] as Ack<unknown>[],
      };
    }),
  );
  let running = true;
  const loops = senders.map(async (sender, i) => {
    for (let n = 0; running && sender.socket.connected; n++) {
      const opId = randomUUID();
      const text = `sender ${i} message ${n}`;
      sender.unacked.set(opId, text);
      const ack = (await sender.socket
        .timeout(3_000)
        .emitWithAck(ChatCommand.MessageSend, { opId, roomId: room.id, text })
        .catch(() => null)) as Ack<ChatCommandResults['message:send']> | null;
      if (!ack) break;
      if (ack.ok) {
        sender.unacked.delete(opId);
        sender.acked.set(opId, ack.data.message.id);
      } else sender.errors.push(ack);
    }
  });
  return {
    room,
    senders,
    ackedCount: () => senders.reduce((sum, sender) => sum + sender.acked.size, 0),
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('delivery', () => {
  const dirs: string[] = [];
  const processes: ServerProcess[] = [];

  function databaseFile(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'tandem-delivery-'));
    dirs.push(dir);
    return path.join(dir, 'tandem.db');
  }

  afterEach(() => {
    closeAllClients();
    for (const server of processes.splice(0)) server.child.kill('SIGKILL');
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acked message when the server is killed with SIGKILL, and clients converge after restart', async () => {
    const file = databaseFile();
    const first = await spawnServer(file);
    processes.push(first);
    const stream = await startSenders(first.url, 5);
    await eventually(() => stream.ackedCount() >= 200, '200 acked messages', 15_000);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    await stream.stop();

    const acked = stream.senders.flatMap((sender) => [...sender.acked.values()]);
    const db = new Database(file, { readonly: true });
    const count = db.prepare('SELECT COUNT(*) AS n FROM Message WHERE id = ?');
    for (const id of acked) expect(count.get(id)).toEqual({ n: 1 });
    db.close();

    // Restart on the same database; each client retries what was not acked, with the same opId.
    const second = await spawnServer(file);
    processes.push(second);
    const views = await Promise.all(
      stream.senders.map(async (sender) => {
        const socket = await connect(socketFor<ChatClient>(second.url, Namespace.Chat, sender.session.token));
        for (const [opId, text] of sender.unacked) {
          await commandOk(socket, ChatCommand.MessageSend, { opId, roomId: stream.room.id, text });
        }
        return socket;
      }),
    );
    const reopened = new Database(file, { readonly: true });
    const stored = reopened
      .prepare('SELECT seq, text, kind FROM Message WHERE roomId = ? ORDER BY seq')
      .all(stream.room.id) as {
      seq: number;
      text: string;
      kind: string;
    }[];
    reopened.close();
    expect(new Set(stored.map((row) => row.text)).size).toBe(stored.length);
    expect(stored.map((row) => row.seq)).toEqual(stored.map((_, i) => i + 1));
    // Besides what the senders sent, the room holds the system messages announcing their joins.
    const sent = stored.filter((row) => row.kind === 'user');
    const everySent = stream.senders.flatMap((sender, i) =>
      [...sender.acked.keys(), ...sender.unacked.keys()].map(() => i),
    );
    expect(sent.length).toBe(everySent.length);
    expect(stored.length - sent.length).toBe(stream.senders.length);

    for (const socket of views) {
      const resync = await commandOk<RoomResync>(socket, ChatCommand.RoomJoin, { roomId: stream.room.id, sinceSeq: 0 });
      if (!('changes' in resync)) throw new Error('expected changes');
      expect(resync.changes.map((change) => (change.data as MessageCreated).message.text)).toEqual(
        stored.map((row) => row.text),
      );
    }
  }, 60_000);

  it('on SIGTERM tells clients it is draining, acks what it accepted, loses nothing acked, and exits 0', async () => {
    const file = databaseFile();
    const server = await spawnServer(file);
    processes.push(server);
    const stream = await startSenders(server.url, 5);
    const watcherSession = await signIn(server.url, 'watcher');
    const watcher = await connect(socketFor<ChatClient>(server.url, Namespace.Chat, watcherSession.token));
    const drained = new Promise((resolve) => watcher.on(ServerBroadcast.Draining as never, resolve as never));
    // Listening from before the join, as a client does: a broadcast may arrive before the join's ack.
    const received: MessageCreated[] = [];
    watcher.on(ChatBroadcast.MessageCreated, (event) => received.push(event));
    const watcherJoin = await commandOk<RoomSnapshot>(watcher, ChatCommand.RoomJoin, { roomId: stream.room.id });

    await eventually(() => stream.ackedCount() >= 100, '100 acked messages', 15_000);
    server.child.kill('SIGTERM');
    expect(await drained).toMatchObject({ reconnectWithinMs: expect.any(Number) });
    expect(await server.exited).toBe(0);
    await stream.stop();

    const refusals = stream.senders.flatMap((sender) => sender.errors);
    for (const refusal of refusals)
      expect(refusal).toMatchObject({
        ok: false,
        error: { code: 'UNAVAILABLE', details: { retryAfterMs: expect.any(Number) } },
      });
    const db = new Database(file, { readonly: true });
    const count = db.prepare('SELECT COUNT(*) AS n FROM Message WHERE id = ?');
    for (const id of stream.senders.flatMap((sender) => [...sender.acked.values()]))
      expect(count.get(id)).toEqual({ n: 1 });
    const seqs = (
      db.prepare('SELECT seq FROM Message WHERE roomId = ? ORDER BY seq').all(stream.room.id) as { seq: number }[]
    ).map((row) => row.seq);
    db.close();
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    // Beyond what its join's snapshot held, the watcher heard a gap-free prefix of the stream.
    const heard = received.filter((event) => event.seq > watcherJoin.seq);
    expect(heard.map((event) => event.seq)).toEqual(heard.map((_, i) => watcherJoin.seq + 1 + i));
  }, 60_000);
});
