import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  DirectoryBroadcast,
  Namespace,
  ScoreboardBroadcast,
  ScoreboardCommand,
  type Ack,
  type BoardState,
  type ChatCommandResults,
  type DirectoryChanged,
  type MessageCreated,
  type PresenceChanged,
  type RoomResync,
  type RoomSnapshot,
  type ScoreboardCommandResults,
} from '@tandem/contract';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import {
  closeAllClients,
  commandOk,
  connect,
  eventually,
  nextEvent,
  record,
  settle,
  signIn,
  socketFor,
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
  let database: { url: string; drop: () => Promise<void> };
  let nodeA: ServerProcess;
  let nodeB: ServerProcess;
  let sql: pg.Client;

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    // A short presence grace, so that a closed tab leaves presence within the suite's waits.
    const env = { REDIS_URL: redisUrl, PRESENCE_GRACE_MS: '300' };
    // One after the other: the first applies the migrations.
    nodeA = await spawnServer(database.url, env);
    nodeB = await spawnServer(database.url, env);
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
  });
  afterAll(async () => {
    closeAllClients();
    for (const socket of failoverSockets) socket.disconnect();
    await sql?.end();
    for (const node of [nodeA, nodeB]) node?.child.kill('SIGKILL');
    await Promise.all([nodeA?.exited, nodeB?.exited]);
    if (database) await deleteRedisKeys(await defaultRedisPrefix(database.url));
    await database?.drop();
  });

  async function chatOn(node: ServerProcess, name: string) {
    const session = await signIn(node.url, name);
    return { session, socket: await connect(socketFor<ChatClient>(node.url, Namespace.Chat, session.token)) };
  }

  async function roomOn(node: ServerProcess): Promise<string> {
    const { socket } = await chatOn(node, 'host');
    return (await commandOk<ChatCommandResults['room:create']>(socket, ChatCommand.RoomCreate, { name: 'across' })).room
      .id;
  }

  it('answers ready on both nodes, with Redis', async () => {
    for (const node of [nodeA, nodeB]) {
      const response = await fetch(`${node.url}/health/ready`);
      expect(await response.json()).toEqual({ status: 'ready', database: 'ok', redis: 'ok' });
    }
  });

  it('carries a message sent on node A to a member on node B, and back', async () => {
    const roomId = await roomOn(nodeA);
    const ann = await chatOn(nodeA, 'ann');
    const bob = await chatOn(nodeB, 'bob');
    await commandOk(ann.socket, ChatCommand.RoomJoin, { roomId });
    await commandOk(bob.socket, ChatCommand.RoomJoin, { roomId });

    const toBob = nextEvent<MessageCreated>(bob.socket, ChatBroadcast.MessageCreated);
    const sent = await commandOk<ChatCommandResults['message:send']>(ann.socket, ChatCommand.MessageSend, {
      opId: randomUUID(),
      roomId,
      text: 'from A',
    });
    expect((await toBob).message).toEqual(sent.message);

    // Ann also hears her own message; with the adapter it may come after her ack.
    const toAnn = nextEvent<MessageCreated>(
      ann.socket,
      ChatBroadcast.MessageCreated,
      (event) => event.message.text === 'from B',
    );
    await commandOk(bob.socket, ChatCommand.MessageSend, { opId: randomUUID(), roomId, text: 'from B' });
    expect((await toAnn).message.text).toBe('from B');
  });

  it('tells the directory of a room created on node A to clients on node B; a private one to its members only', async () => {
    const ann = await chatOn(nodeA, 'ann');
    const bob = await chatOn(nodeB, 'bob');
    const carol = await chatOn(nodeB, 'carol');
    const toCarol = nextEvent<DirectoryChanged>(carol.socket, DirectoryBroadcast.Changed);
    const { room } = await commandOk<ChatCommandResults['room:create']>(ann.socket, ChatCommand.RoomCreate, {
      name: 'lobby',
    });
    expect(await toCarol).toMatchObject({ kind: 'created', space: { id: room.id, name: 'lobby' } });

    const { room: den } = await commandOk<ChatCommandResults['room:create']>(ann.socket, ChatCommand.RoomCreate, {
      name: 'den',
      visibility: 'private',
    });
    await commandOk(bob.socket, ChatCommand.RoomJoin, { roomId: den.id, inviteCode: den.inviteCode });
    const heardByCarol = record(carol.socket, DirectoryBroadcast.Changed);
    const toBob = nextEvent<DirectoryChanged>(
      bob.socket,
      DirectoryBroadcast.Changed,
      (change) => change.space.id === den.id,
    );
    await commandOk(ann.socket, ChatCommand.RoomRename, { opId: randomUUID(), roomId: den.id, name: 'lair' });
    expect(await toBob).toMatchObject({ kind: 'renamed', space: { name: 'lair', inviteCode: den.inviteCode } });
    await settle();
    expect(heardByCarol).toEqual([]);
  });

  it('counts a user with one tab on each node as one online user', async () => {
    const roomId = await roomOn(nodeA);
    const watcher = await chatOn(nodeA, 'watcher');
    const seen = new PresenceView(watcher.socket, roomId).start(
      (await commandOk<RoomSnapshot>(watcher.socket, ChatCommand.RoomJoin, { roomId })).presence,
    );
    const carol = await chatOn(nodeA, 'carol');
    const carolOnB = await connect(socketFor<ChatClient>(nodeB.url, Namespace.Chat, carol.session.token));
    await commandOk(carol.socket, ChatCommand.RoomJoin, { roomId });
    await commandOk(carolOnB, ChatCommand.RoomJoin, { roomId });
    await eventually(() => seen.names().join() === 'carol,watcher', 'carol online');

    carol.socket.disconnect();
    // The tab on A is gone, the one on B remains: carol stays online.
    await settle(800);
    expect(seen.names()).toEqual(['carol', 'watcher']);
    carolOnB.disconnect();
    await eventually(() => seen.names().join() === 'watcher', 'presence after the tab on B closed');
    expect(seen.gaps).toBe(0);
  });

  it('keeps a user whose tab reconnects to the other node within the grace online throughout', async () => {
    const roomId = await roomOn(nodeA);
    const watcher = await chatOn(nodeB, 'watcher');
    const seen = new PresenceView(watcher.socket, roomId).start(
      (await commandOk<RoomSnapshot>(watcher.socket, ChatCommand.RoomJoin, { roomId })).presence,
    );
    const dan = await chatOn(nodeA, 'dan');
    await commandOk(dan.socket, ChatCommand.RoomJoin, { roomId });
    await eventually(() => seen.names().join() === 'dan,watcher', 'dan online');
    const presence = record<PresenceChanged>(watcher.socket, ChatBroadcast.Presence);

    dan.socket.disconnect();
    const danOnB = await connect(socketFor<ChatClient>(nodeB.url, Namespace.Chat, dan.session.token));
    await commandOk(danOnB, ChatCommand.RoomJoin, { roomId });
    // Past node A's grace: dan's tab on node B keeps him listed.
    await settle(800);
    for (const event of presence) expect(event.removed).toEqual([]);
    expect(seen.names()).toEqual(['dan', 'watcher']);
  });

  it('gives 50 concurrent sends from both nodes gap-free seqs', async () => {
    const roomId = await roomOn(nodeA);
    const onA = await chatOn(nodeA, 'a-writer');
    const onB = await chatOn(nodeB, 'b-writer');
    await commandOk(onA.socket, ChatCommand.RoomJoin, { roomId });
    // Each first join is announced by a system message, which takes a seq like any message.
    const { seq: joinedAt } = await commandOk<{ seq: number }>(onB.socket, ChatCommand.RoomJoin, { roomId });
    const acks = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        commandOk<ChatCommandResults['message:send']>(i % 2 ? onA.socket : onB.socket, ChatCommand.MessageSend, {
          opId: randomUUID(),
          roomId,
          text: `concurrent ${i}`,
        }),
      ),
    );
    const seqs = acks.map((ack) => ack.message.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => joinedAt + i + 1));
    const stored = await sql.query<{ seq: number }>('SELECT seq FROM "Message" WHERE "roomId" = $1 ORDER BY seq', [
      roomId,
    ]);
    expect(stored.rows.map((row) => row.seq)).toEqual(Array.from({ length: joinedAt + 50 }, (_, i) => i + 1));
    // The room's log: `Change` rows, and the `message:created` records its messages keep.
    const changes = await sql.query<{ seq: number }>(
      `SELECT seq FROM "Change" WHERE "streamKey" = $1
       UNION ALL SELECT seq FROM "Message" WHERE "roomId" = $2 AND "createdChange" IS NOT NULL ORDER BY seq`,
      [`chat:${roomId}`, roomId],
    );
    expect(changes.rows.map((row) => row.seq)).toEqual(stored.rows.map((row) => row.seq));
  });

  it('ends 400 increments from both nodes exact, in the database and in every last board state', async () => {
    const ownerSession = await signIn(nodeA.url, 'owner');
    const owner = await connect(socketFor(nodeA.url, Namespace.Scoreboard, ownerSession.token));
    const { board } = await commandOk<ScoreboardCommandResults['board:create']>(owner, ScoreboardCommand.BoardCreate, {
      name: 'duel',
    });
    const { player } = await commandOk<ScoreboardCommandResults['player:add']>(owner, ScoreboardCommand.PlayerAdd, {
      opId: randomUUID(),
      boardId: board.id,
      name: 'shared',
    });
    const writers = await Promise.all(
      [nodeA, nodeB, nodeA, nodeB].map(async (node, i) => {
        const session = await signIn(node.url, `incrementer-${i}`);
        const socket = await connect(socketFor(node.url, Namespace.Scoreboard, session.token));
        await commandOk(socket, ScoreboardCommand.BoardJoin, { boardId: board.id });
        return { socket, states: record<BoardState>(socket, ScoreboardBroadcast.BoardState) };
      }),
    );
    await Promise.all(
      writers.map(async ({ socket }) => {
        for (let i = 0; i < 100; i += 20) {
          await Promise.all(
            Array.from({ length: 20 }, () =>
              commandOk(socket, ScoreboardCommand.ScoreAdd, {
                opId: randomUUID(),
                boardId: board.id,
                playerId: player.id,
                delta: 1,
              }),
            ),
          );
        }
      }),
    );
    const stored = await sql.query<{ score: number }>('SELECT score FROM "Player" WHERE id = $1', [player.id]);
    expect(stored.rows[0].score).toBe(400);
    const latestScore = (states: BoardState[]) =>
      states
        .reduce<BoardState | undefined>(
          (latest, state) => (!latest || state.seq > latest.seq ? state : latest),
          undefined,
        )
        ?.players.find((candidate) => candidate.id === player.id)?.score;
    for (const { states } of writers)
      await eventually(() => latestScore(states) === 400, 'the final board state on every client');
  });

  it("moves node A's clients to node B when A dies, and they converge with no loss", async () => {
    const roomId = await roomOn(nodeB);
    const clients = await Promise.all(
      ['ann', 'bob'].map(async (name) => {
        const session = await signIn(nodeA.url, name);
        const socket = failoverSocket([nodeA.url, nodeB.url], Namespace.Chat, session.token);
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
        if (n === 20 && i === 0) nodeA.child.kill('SIGKILL');
      }
    });
    await Promise.all(keepSending);
    expect(await nodeA.exited).toBe('SIGKILL');

    const all = await sql.query<{ seq: number; id: string; kind: string }>(
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

describeWhenServicesRun('a node whose Redis goes away', () => {
  let redis: ChildProcess;
  let node: ServerProcess;
  let dir: string;
  const port = 16_000 + Math.floor(Math.random() * 2_000);

  function startRedis(): Promise<ChildProcess> {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return new Promise((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve(child);
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
  }

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(path.join(tmpdir(), 'tandem-redis-down-'));
    node = await spawnServer(path.join(dir, 'tandem.db'), { REDIS_URL: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    closeAllClients();
    node?.child.kill('SIGKILL');
    redis?.kill('SIGKILL');
    await node?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps acking and serving its own sockets, reports not ready, and recovers', async () => {
    const ann = await chatOn(node, 'ann');
    const bob = await chatOn(node, 'bob');
    const { room } = await commandOk<ChatCommandResults['room:create']>(ann.socket, ChatCommand.RoomCreate, {
      name: 'outage',
    });
    await commandOk(ann.socket, ChatCommand.RoomJoin, { roomId: room.id });
    await commandOk(bob.socket, ChatCommand.RoomJoin, { roomId: room.id });

    redis.kill('SIGKILL');
    await eventually(() => redis.exitCode !== null || redis.signalCode !== null, 'redis to stop');
    const toBob = nextEvent<MessageCreated>(bob.socket, ChatBroadcast.MessageCreated);
    const sent = await commandOk<ChatCommandResults['message:send']>(ann.socket, ChatCommand.MessageSend, {
      opId: randomUUID(),
      roomId: room.id,
      text: 'while Redis is down',
    });
    expect((await toBob).message).toEqual(sent.message);
    const notReady = await fetch(`${node.url}/health/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ database: 'ok', redis: 'unreachable' });

    redis = await startRedis();
    await eventuallyAsync(async () => (await fetch(`${node.url}/health/ready`)).status === 200, 'ready again', 15_000);
  });

  async function chatOn(server: ServerProcess, name: string) {
    const session = await signIn(server.url, name);
    return { session, socket: await connect(socketFor<ChatClient>(server.url, Namespace.Chat, session.token)) };
  }
});

async function eventuallyAsync(condition: () => Promise<boolean>, what: string, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
