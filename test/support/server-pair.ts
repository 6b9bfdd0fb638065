/**
 * Two server processes on one fresh PostgreSQL database and Redis, as the cluster suites run them,
 * with a `pg` client on that database, and the chat scenes that sign in on one node.
 */
import { afterAll, beforeAll } from '@jest/globals';
import { ChatCommand, Namespace, type ChatCommandResults } from '@tandem/contract';
import pg from 'pg';
import { closeAllClients, commandOk, connect, signIn, socketFor, type ChatClient } from './clients.js';
import { spawnServer, type ServerProcess } from './process.js';
import { defaultRedisPrefix, deleteRedisKeys, freshPostgresDatabase, redisUrl } from './services.js';

/** What `serverPair` starts: filled in before the suite's first test. */
export interface ServerPair {
  nodeA: ServerProcess;
  nodeB: ServerProcess;
  /** A client on the nodes' database: what is committed. */
  sql: pg.Client;
}

/**
 * Registers the suite's hooks: both nodes started before its tests, and after them `closeClients`,
 * the nodes killed, the database's Redis keys deleted and the database dropped.
 */
export function serverPair(closeClients: () => void = closeAllClients): ServerPair {
  const cluster = {} as ServerPair;
  let database: { url: string; drop: () => Promise<void> } | undefined;
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    // A short presence grace, so that a closed tab leaves presence within the suite's waits.
    const env = { REDIS_URL: redisUrl, PRESENCE_GRACE_MS: '300' };
    // One after the other: the first applies the migrations.
    cluster.nodeA = await spawnServer(database.url, env);
    cluster.nodeB = await spawnServer(database.url, env);
    cluster.sql = new pg.Client({ connectionString: database.url });
    await cluster.sql.connect();
  });
  afterAll(async () => {
    closeClients();
    await cluster.sql?.end();
    for (const node of [cluster.nodeA, cluster.nodeB]) node?.child.kill('SIGKILL');
    await Promise.all([cluster.nodeA?.exited, cluster.nodeB?.exited]);
    if (database) await deleteRedisKeys(await defaultRedisPrefix(database.url));
    await database?.drop();
  });
  return cluster;
}

/** A user signed in on `node`, with a `/chat` socket connected to it. */
export async function chatOn(node: ServerProcess, name: string) {
  const session = await signIn(node.url, name);
  return { session, socket: await connect(socketFor<ChatClient>(node.url, Namespace.Chat, session.token)) };
}

/** A room created on `node`; its id. */
export async function roomOn(node: ServerProcess): Promise<string> {
  const { socket } = await chatOn(node, 'host');
  return (await commandOk<ChatCommandResults['room:create']>(socket, ChatCommand.RoomCreate, { name: 'across' })).room
    .id;
}
