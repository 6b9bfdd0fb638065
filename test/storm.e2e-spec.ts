import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { byPresenceOrder, ChatCommand, Namespace, type ChatCommandResults } from '@tandem/contract';
import { commandOk, connect, eventually, signIn, socketFor } from './support/clients.js';
import { spawnServer, type ServerProcess } from './support/process.js';
import { closeStormClients, inBatches, StormClient } from './support/storm.js';

/** Clients in the one room: each its own user and connection. */
const clientCount = 2_000;

/**
 * A big room's restart storm: the server is killed under a full room and restarted on the same
 * database, and every client reconnects and rejoins with `sinceSeq` at the same moment (their
 * reconnection delays are short, so they all come back within a moment of the new server).
 * Nothing here is timed: the storm must converge, whatever the machine's speed.
 */
describe('restart storm', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tandem-storm-'));
  const file = path.join(dir, 'tandem.db');
  const servers: ServerProcess[] = [];

  afterAll(() => {
    closeStormClients();
    for (const server of servers) server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it(`converges ${clientCount.toLocaleString('en')} clients on the database after kill -9 and a restart`, async () => {
    // A join notice would be 2,000 messages to 2,000 sockets: above this many online, none.
    const env = { JOIN_NOTICE_MAX_ONLINE: '20' };
    const first = await spawnServer(file, env);
    servers.push(first);

    const owner = await signIn(first.url, 'storm owner');
    const ownerSocket = await connect(socketFor(first.url, Namespace.Chat, owner.token));
    const { room } = await commandOk<ChatCommandResults['room:create']>(ownerSocket, ChatCommand.RoomCreate, {
      name: 'storm',
    });
    ownerSocket.disconnect();

    const clients = await inBatches(clientCount, 100, async (index) => {
      const session = await signIn(first.url, `storm ${String(index).padStart(4, '0')}`);
      return new StormClient(first.url, session, room.id);
    });
    await inBatches(clientCount, 200, (index) => clients[index].connect());
    // Every client joins at once.
    await Promise.all(clients.map((client) => client.joined()));
    // A few messages go out while the storm settles; their broadcasts reach every member.
    for (let index = 0; index < 5; index++) await clients[index].send(`before the crash ${index}`);

    // Messages in flight when the server dies: acked or not, the database decides.
    const inFlight = clients.slice(0, 20).map((client, index) => client.send(`in flight ${index}`).catch(() => null));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    await Promise.all(inFlight);
    await eventually(() => clients.every((client) => !client.socket.connected), 'every client sees the crash', 20_000);

    // The same port and database: every client's reconnection finds it and rejoins with sinceSeq.
    const second = await spawnServer(file, { ...env, PORT: new URL(first.url).port });
    servers.push(second);
    await eventually(() => clients.every((client) => client.rejoins === 1), 'every client rejoined', 60_000);
    await clients[0].send('after the restart');

    const db = new Database(file, { readonly: true });
    const messages = db.prepare('SELECT seq, id, text FROM Message WHERE roomId = ? ORDER BY seq').all(room.id) as {
      seq: number;
      id: string;
      text: string;
    }[];
    const members = db
      .prepare('SELECT u.id, u.name FROM Membership m JOIN User u ON u.id = m.userId WHERE m.roomId = ?')
      .all(room.id) as { id: string; name: string }[];
    db.close();
    const lastSeq = messages.at(-1)!.seq;
    await eventually(() => clients.every((client) => client.seq === lastSeq), 'every client at the last seq', 20_000);
    // Everyone but the owner, who left before the storm, is online.
    const online = members.filter((member) => member.id !== owner.user.id).sort(byPresenceOrder);
    await eventually(
      () => clients.every((client) => client.presence.online === online.length),
      'every client counts every member online',
      20_000,
    );

    const firstPage = online.slice(0, clients[0].presence.members.length).map(({ id, name }) => ({ id, name }));
    expect(firstPage.length).toBeGreaterThan(0);
    for (const client of clients) {
      // The messages each holds are the database's, from the oldest it was given to the last, without a gap.
      const held = client.messagesFrom();
      expect(held).toEqual(messages.filter((message) => message.seq >= held[0].seq));
      expect(client.presence.members.map(({ id, name }) => ({ id, name }))).toEqual(firstPage);
      expect(client.presence.gaps).toBe(0);
      // One disconnect each, the crash's; none since.
      expect(client.disconnects).toBe(1);
      expect(client.socket.connected).toBe(true);
    }
    expect(clients.flatMap((client) => client.failures)).toEqual([]);
  }, 120_000);
});
