import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  Namespace,
  type Ack,
  type ChatCommandResults,
  type MessageCreated,
  type RoomSnapshot,
} from '@tandem/contract';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import {
  chatClient,
  closeAllClients,
  commandOk,
  eventually,
  record,
  signIn,
  type ChatClient,
} from '../support/clients.js';
import { PresenceView } from '../support/presence.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import {
  defaultRedisPrefix,
  deleteRedisKeys,
  describeWithServices,
  freshPostgresDatabase,
  redisUrl,
} from '../support/services.js';
import { findNginx, startNginx, type Nginx } from './nginx.js';
import { RoomFollower } from './room-follower.js';

const nginx = findNginx();
if (!nginx.ok && process.env.CI) throw new Error(`the load-balancer suite cannot run: ${nginx.why}`);
if (!nginx.ok) console.log(`skipped: the load-balancer suite needs nginx (${nginx.why})`);
const describeWhenServicesRun = await describeWithServices('the load-balancer suite');
// Skipped only outside CI, and only for the reasons printed just above.
const describeThroughNginx = nginx.ok ? describeWhenServicesRun : describe.skip;

type Transports = ('polling' | 'websocket')[];
const transportSets: Record<string, Transports> = {
  'polling only': ['polling'],
  default: ['polling', 'websocket'],
  'websocket only': ['websocket'],
};
const clientsPerTransport = 5;
const sendsPerSender = 30;

describeThroughNginx('clients of every transport through nginx (deploy/nginx), across two nodes', () => {
  let database: { url: string; drop: () => Promise<void> };
  let nodeA: ServerProcess;
  let nodeB: ServerProcess;
  let balancer: Nginx;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    const env = { REDIS_URL: redisUrl, PRESENCE_GRACE_MS: '300' };
    nodeA = await spawnServer(database.url, env);
    nodeB = await spawnServer(database.url, env);
    balancer = await startNginx(
      nginx.ok ? nginx.bin : 'nginx',
      [nodeA, nodeB].map((node) => new URL(node.url).host),
    );
  });
  afterAll(async () => {
    closeAllClients();
    for (const socket of sockets) socket.disconnect();
    await balancer?.stop();
    for (const node of [nodeA, nodeB]) node?.child.kill('SIGKILL');
    await Promise.all([nodeA?.exited, nodeB?.exited]);
    if (database) await deleteRedisKeys(await defaultRedisPrefix(database.url));
    await database?.drop();
  });

  /** As a browser would: the balancer's cookie kept (Node needs `withCredentials` for that). */
  function socketThrough(transports: Transports, token: string): Socket {
    const socket = io(`${balancer.url}${Namespace.Chat}`, {
      auth: { token },
      transports,
      withCredentials: true,
      forceNew: true,
    });
    sockets.push(socket);
    return socket;
  }

  it("passes the public Host, so that a browser's handshake passes the origin check", async () => {
    const origin = balancer.url;
    expect(await handshake(balancer.url, origin, 'polling')).toBe(200);
    expect(await handshake(balancer.url, origin, 'websocket')).toBe(101);
    // The same Origin straight to a node, whose Host differs, is refused: without the Host nginx
    // passes (or CORS_ORIGIN), every browser would be.
    expect(await handshake(nodeA.url, origin, 'polling')).toBe(403);
    expect(await handshake(nodeA.url, origin, 'websocket')).toBe(400);
  });

  it('answers on the other node while a node hangs, and the hung node catches up', async () => {
    const bob = await chatClient(nodeB.url, 'bob');
    const { room } = await commandOk<ChatCommandResults['room:create']>(bob.socket, ChatCommand.RoomCreate, {
      name: 'hang',
    });
    const ann = await chatClient(nodeA.url, 'ann');
    await commandOk(ann.socket, ChatCommand.RoomJoin, { roomId: room.id });
    await commandOk(bob.socket, ChatCommand.RoomJoin, { roomId: room.id });
    const heardByAnn = record<MessageCreated>(ann.socket, ChatBroadcast.MessageCreated);

    nodeA.child.kill('SIGSTOP');
    let sendMs: number;
    let joinMs: number;
    let joined: RoomSnapshot;
    try {
      const sentAt = Date.now();
      await commandOk(bob.socket, ChatCommand.MessageSend, {
        opId: randomUUID(),
        roomId: room.id,
        text: 'while A hangs',
      });
      sendMs = Date.now() - sentAt;
      const carol = await chatClient(nodeB.url, 'carol');
      const seenByCarol = new PresenceView(carol.socket, room.id);
      const joinedAt = Date.now();
      joined = await commandWithin<RoomSnapshot>(carol.socket, ChatCommand.RoomJoin, { roomId: room.id }, 15_000);
      joinMs = Date.now() - joinedAt;
      // Node B answers from its own presence index, which keeps the hung node's members (ann) until
      // that node's heartbeats time out. The answer is the first page as last sent; joins within the
      // current window (bob's, carol's) come with the next delta, while node A still hangs.
      seenByCarol.start(joined.presence);
      await eventually(
        () => ['ann', 'bob', 'carol'].every((name) => seenByCarol.names().includes(name)),
        'ann, bob and carol in the presence carol sees',
      );
    } finally {
      nodeA.child.kill('SIGCONT');
    }
    // Node A resumes reading the stream where it stopped: ann gets what was sent meanwhile.
    await eventually(() => heardByAnn.some((event) => event.message.text === 'while A hangs'), 'the backlog on A');
    console.log(`while a node hangs: a send on another node acked in ${sendMs} ms, a join there in ${joinMs} ms`);
  });

  it('carries every message to polling, default and websocket clients in one room, through the death of a node', async () => {
    const host = await signIn(balancer.url, 'host');
    const hostSocket = socketThrough(['websocket'], host.token);
    await eventually(() => hostSocket.connected, 'the host to connect');
    const { room } = await commandOk<ChatCommandResults['room:create']>(hostSocket, ChatCommand.RoomCreate, {
      name: 'through nginx',
    });

    const followers: { kind: string; follower: RoomFollower }[] = [];
    for (const [kind, transports] of Object.entries(transportSets)) {
      for (let i = 0; i < clientsPerTransport; i++) {
        const session = await signIn(balancer.url, `${kind.replace(' ', '-')}-${i}`);
        followers.push({ kind, follower: new RoomFollower(socketThrough(transports, session.token), room.id) });
      }
    }
    await eventually(() => followers.every(({ follower }) => follower.joined), 'every client to join', 20_000);
    // Both nodes hold some of them (the balancer spreads sessions), and the default clients upgraded.
    expect(await chatSockets(nodeA)).toBeGreaterThan(0);
    expect(await chatSockets(nodeB)).toBeGreaterThan(1);
    for (const { kind, follower } of followers) {
      if (kind === 'default') await eventually(() => transportOf(follower.socket) === 'websocket', 'an upgrade');
      else expect(transportOf(follower.socket)).toBe(transportSets[kind].at(-1));
    }

    // One sender of each transport; node A dies under them.
    const senders = Object.keys(transportSets).map((kind) => followers.find((entry) => entry.kind === kind)!.follower);
    const acked = new Set<string>();
    let killedAt = 0;
    await Promise.all(
      senders.map(async (sender, i) => {
        for (let n = 0; n < sendsPerSender; n++) {
          acked.add(await sendUntilAcked(sender.socket, room.id, `sender ${i} #${n}`));
          if (i === 0 && n === sendsPerSender / 3) {
            nodeA.child.kill('SIGKILL');
            killedAt = Date.now();
          }
        }
      }),
    );
    expect(await nodeA.exited).toBe('SIGKILL');

    const sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    const stored = await sql
      .query<{ seq: number; id: string; kind: string }>(
        'SELECT seq, id, kind FROM "Message" WHERE "roomId" = $1 ORDER BY seq',
        [room.id],
      )
      .finally(() => sql.end());
    const lastSeq = stored.rows.at(-1)!.seq;
    expect(stored.rows.map((row) => row.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    expect(stored.rows.filter((row) => row.kind === 'user')).toHaveLength(senders.length * sendsPerSender);
    expect(acked.size).toBe(senders.length * sendsPerSender);

    await eventually(
      () => followers.every(({ follower }) => follower.joined && follower.lastSeq === lastSeq),
      'every client back and up to date',
      30_000,
    );
    const ids = new Map(stored.rows.map((row) => [row.seq, row.id]));
    for (const { follower } of followers) {
      expect(follower.problems).toEqual([]);
      const expected = stored.rows.filter((row) => row.seq > follower.startSeq!).map((row) => row.seq);
      expect([...follower.applied.keys()]).toEqual(expected);
      for (const [seq, id] of follower.applied) expect(id).toBe(ids.get(seq));
    }
    const reconnects = followers.flatMap(({ follower }) => follower.reconnectMs).sort((a, b) => a - b);
    expect(reconnects.length).toBeGreaterThan(0);
    console.log(
      `through nginx: ${followers.length} clients (${clientsPerTransport} per transport), ` +
        `${acked.size} messages from ${senders.length} senders, node A killed at ${new Date(killedAt).toISOString()}; ` +
        `${reconnects.length} reconnects in ${reconnects[0]}–${reconnects.at(-1)} ms ` +
        `(median ${reconnects[Math.floor(reconnects.length / 2)]}); ` +
        `messages that came early: ${sum(followers.map(({ follower }) => follower.heldEarly))}, ` +
        `gaps still open after the reorder wait (resyncs): ${sum(followers.map(({ follower }) => follower.gapResyncs))}; ` +
        `already-seen broadcasts dropped: ${sum(followers.map(({ follower }) => follower.staleDrops))}; lost: 0, applied twice: 0`,
    );
  });
});

/** `commandOk` with a longer wait. */
async function commandWithin<T>(socket: ChatClient, event: string, payload: unknown, limitMs: number): Promise<T> {
  const ack = (await (socket as Socket).timeout(limitMs).emitWithAck(event, payload)) as Ack<T>;
  if (!ack.ok) throw new Error(`${event} failed: ${ack.error.code}`);
  return ack.data;
}

/** Sends until acked, with one opId, on whichever node the socket reaches: the message's id. */
async function sendUntilAcked(socket: Socket, roomId: string, text: string): Promise<string> {
  const opId = randomUUID();
  for (let attempt = 0; attempt < 60; attempt++) {
    const ack = (await socket
      .timeout(2_000)
      .emitWithAck(ChatCommand.MessageSend, { opId, roomId, text })
      .catch(() => null)) as Ack<ChatCommandResults['message:send']> | null;
    if (ack?.ok) return ack.data.message.id;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`"${text}" was never acked`);
}

function transportOf(socket: Socket): string | undefined {
  return socket.io.engine?.transport.name;
}

async function chatSockets(node: ServerProcess): Promise<number> {
  const metrics = await (await fetch(`${node.url}/metrics`)).text();
  return Number(/^tandem_sockets\{namespace="\/chat"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** A browser's first request, with its Origin: the polling handshake's status, or the upgrade's. */
function handshake(url: string, origin: string, transport: 'polling' | 'websocket'): Promise<number> {
  const target = new URL(`${url}/socket.io/?EIO=4&transport=${transport}`);
  const headers: Record<string, string> = { origin };
  if (transport === 'websocket') {
    Object.assign(headers, {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': Buffer.from(randomUUID().slice(0, 16)).toString('base64'),
    });
  }
  return new Promise((resolve, reject) => {
    const req = request(target, { headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
