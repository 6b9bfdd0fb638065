import { expect, it } from '@jest/globals';
import { byPresenceOrder, ChatCommand, Namespace, type ChatCommandResults } from '@tandem/contract';
import pg from 'pg';
import { commandOk, connect, eventually, signIn, socketFor } from '../support/clients.js';
import { describeWithServices, nodesOnOneDatabase } from '../support/services.js';
import { closeStormClients, inBatches, StormClient } from '../support/storm.js';

const describeWhenServicesRun = await describeWithServices('the cluster storm');

/** Clients in the one room, half on each node: each its own user and connection. */
const clientCount = 300;

/**
 * A big room across two nodes, and one node stopped under it: its clients move to the other node
 * and rejoin with `sinceSeq` at once, while messages are sent on both. Nothing here is timed: the
 * storm must converge, whatever the machine's speed.
 */
describeWhenServicesRun('a room across two nodes when one stops', () => {
  // No join notices above 20 online; a short grace, so that the owner's closed tab leaves presence.
  const cluster = nodesOnOneDatabase(2, { JOIN_NOTICE_MAX_ONLINE: '20', PRESENCE_GRACE_MS: '300' }, closeStormClients);

  it(`converges ${clientCount} clients on the database after one node stops`, async () => {
    const [nodeA, nodeB] = cluster.nodes;
    const { database } = cluster;
    const owner = await signIn(nodeA.url, 'storm owner');
    const ownerSocket = await connect(socketFor(nodeA.url, Namespace.Chat, owner.token));
    const { room } = await commandOk<ChatCommandResults['room:create']>(ownerSocket, ChatCommand.RoomCreate, {
      name: 'storm',
    });
    ownerSocket.disconnect();

    // Even clients start on node A, odd ones on node B; each moves to the other when its node goes.
    const clients = await inBatches(clientCount, 50, async (index) => {
      const [home, other] = index % 2 === 0 ? [nodeA, nodeB] : [nodeB, nodeA];
      const session = await signIn(home.url, `storm ${String(index).padStart(3, '0')}`);
      return new StormClient([home.url, other.url], session, room.id);
    });
    await inBatches(clientCount, 100, (index) => clients[index].connect());
    await Promise.all(clients.map((client) => client.joined()));
    // Messages from both nodes while the storm settles.
    for (let index = 0; index < 6; index++) await clients[index].send(`before the stop ${index}`);

    // Messages in flight on both nodes when node A is told to stop: acked or not, the database decides.
    const inFlight = clients.slice(0, 20).map((client, index) => client.send(`in flight ${index}`).catch(() => null));
    nodeA.child.kill('SIGTERM');
    expect(await nodeA.exited).toBe(0);
    await Promise.all(inFlight);
    const movers = clients.filter((_, index) => index % 2 === 0);
    await eventually(() => movers.every((client) => client.rejoins === 1), 'every client of node A rejoined', 60_000);
    await clients[1].send('after the stop');

    const sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    const messages = (
      await sql.query<{ seq: number; id: string; text: string }>(
        'SELECT seq, id, text FROM "Message" WHERE "roomId" = $1 ORDER BY seq',
        [room.id],
      )
    ).rows;
    const members = (
      await sql.query<{ id: string; name: string }>(
        'SELECT u.id, u.name FROM "Membership" m JOIN "User" u ON u.id = m."userId" WHERE m."roomId" = $1',
        [room.id],
      )
    ).rows;
    await sql.end();

    const lastSeq = messages.at(-1)!.seq;
    await eventually(() => clients.every((client) => client.seq === lastSeq), 'every client at the last seq', 20_000);
    // Everyone but the owner, who left before the storm, is online; big rooms hear the count every 10 s.
    const online = members.filter((member) => member.id !== owner.user.id).sort(byPresenceOrder);
    expect(online).toHaveLength(clientCount);
    await eventually(
      () => clients.every((client) => client.presence.online === online.length),
      'every client counts every member online',
      30_000,
    );

    const firstPage = online.slice(0, clients[0].presence.members.length).map(({ id, name }) => ({ id, name }));
    expect(firstPage.length).toBeGreaterThan(0);
    for (const [index, client] of clients.entries()) {
      // The messages each holds are the database's, from the oldest it was given to the last, without a gap.
      const held = client.messagesFrom();
      expect(held).toEqual(messages.filter((message) => message.seq >= held[0].seq));
      expect(client.presence.members.map(({ id, name }) => ({ id, name }))).toEqual(firstPage);
      expect(client.presence.gaps).toBe(0);
      // Node A's clients were disconnected once, when it stopped; node B's never.
      expect(client.disconnects).toBe(index % 2 === 0 ? 1 : 0);
      expect(client.socket.connected).toBe(true);
    }
    expect(clients.flatMap((client) => client.failures)).toEqual([]);
  }, 180_000);
});
