import { randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { ChatBroadcast, ChatCommand, Namespace } from '@tandem/contract';
import type { Ack, ChatCommandResults, MessageCreated, RoomResync } from '@tandem/contract';
import { io, type Socket } from 'socket.io-client';
import { closeAllClients, commandOk, connect, eventually, signIn } from '../support/clients.js';
import { describeWithServices } from '../support/services.js';
import { roomOn, serverPair } from '../support/server-pair.js';

const describeWhenServicesRun = await describeWithServices('the cluster suite');

/**
 * A client that, when its node goes away, reconnects to the next node in the list: Socket.IO's
 * manager reopens its engine on `uri` at each attempt (see docs/scaling.md).
 */
const failoverSockets: Socket[] = [];

function failoverSocket(urls: string[], namespace: string, token: string): Socket {
  const socket = io(`${urls[0]}${namespace}`, {
    auth: { token },
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
  });
  failoverSockets.push(socket);
  let index = 0;
  socket.io.on('reconnect_attempt', () => {
    index = (index + 1) % urls.length;
    (socket.io as unknown as { uri: string }).uri = urls[index];
  });
  return socket;
}

describeWhenServicesRun('two nodes on Redis and PostgreSQL', () => {
  const cluster = serverPair(() => {
    closeAllClients();
    for (const socket of failoverSockets) socket.disconnect();
  });

  it("moves node A's clients to node B when A dies, and they converge with no loss", async () => {
    const roomId = await roomOn(cluster.nodeB);
    const clients = await Promise.all(
      ['ann', 'bob'].map(async (name) => {
        const session = await signIn(cluster.nodeA.url, name);
        const socket = failoverSocket([cluster.nodeA.url, cluster.nodeB.url], Namespace.Chat, session.token);
        await connect(socket);
        const joined = await commandOk<{ seq: number }>(socket, ChatCommand.RoomJoin, { roomId });
        const seen = new Map<number, string>();
        let lastSeq = joined.seq;
        socket.on(ChatBroadcast.MessageCreated, (event: MessageCreated) => {
          seen.set(event.seq, event.message.id);
          lastSeq = Math.max(lastSeq, event.seq);
        });
        // On every reconnect: rejoin with sinceSeq and apply exactly what was missed.
        socket.on('connect', () => {
          void commandOk<RoomResync>(socket, ChatCommand.RoomJoin, { roomId, sinceSeq: lastSeq }).then((resync) => {
            if (!('changes' in resync)) throw new Error('expected changes');
            for (const change of resync.changes) seen.set(change.seq, (change.data as MessageCreated).message.id);
            lastSeq = Math.max(lastSeq, resync.seq);
          });
        });
        return { socket, seen, acked: new Set<string>() };
      }),
    );
    const keepSending = clients.map(async (client, i) => {
      for (let n = 0; n < 60; n++) {
        const opId = randomUUID();
        // A send that was cut off is retried with the same opId until it is acked, on whichever node.
        for (let attempt = 0; ; attempt++) {
          const ack = (await client.socket
            .timeout(2_000)
            .emitWithAck(ChatCommand.MessageSend, { opId, roomId, text: `client ${i} #${n}` })
            .catch(() => null)) as Ack<ChatCommandResults['message:send']> | null;
          if (ack?.ok) {
            client.acked.add(ack.data.message.id);
            break;
          }
          if (attempt > 50) throw new Error('a send never went through');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        if (n === 20 && i === 0) cluster.nodeA.child.kill('SIGKILL');
      }
    });
    await Promise.all(keepSending);
    expect(await cluster.nodeA.exited).toBe('SIGKILL');

    const all = await cluster.sql.query<{ seq: number; id: string; kind: string }>(
      'SELECT seq, id, kind FROM "Message" WHERE "roomId" = $1 ORDER BY seq',
      [roomId],
    );
    expect(all.rows.map((row) => row.seq)).toEqual(Array.from({ length: all.rows.length }, (_, i) => i + 1));
    // The 120 sent, after the system messages announcing ann's and bob's joins.
    const stored = all.rows.filter((row) => row.kind === 'user');
    expect(stored).toHaveLength(120);
    expect(all.rows.length - stored.length).toBe(2);
    const everyAcked = new Set(clients.flatMap((client) => [...client.acked]));
    expect(everyAcked.size).toBe(120);
    for (const client of clients) {
      await eventually(() => stored.every((row) => client.seen.has(row.seq)), 'each client to hold every message');
      expect(stored.map((row) => client.seen.get(row.seq))).toEqual(stored.map((row) => row.id));
    }
  });
});
