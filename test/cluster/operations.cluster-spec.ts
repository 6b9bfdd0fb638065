import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import {
  ChatCommand,
  ErrorCode,
  Namespace,
  type ChatCommandResults,
  OpsBroadcast,
  OpsNamespace,
  type Message,
  type MessageSearchResult,
  type NodeStats,
} from '@tandem/contract';
import pg from 'pg';
import {
  closeAllClients,
  command,
  commandOk,
  connect,
  eventually,
  signIn,
  socketFor,
  type ChatClient,
} from '../support/clients.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import {
  defaultRedisPrefix,
  deleteRedisKeys,
  describeWithServices,
  freshPostgresDatabase,
  redisUrl,
} from '../support/services.js';

const describeWhenServicesRun = await describeWithServices('the operations suite');

const adminUsername = 'operator';
const adminPassword = 'correct horse battery';

describeWhenServicesRun('search and the Admin UI on two nodes, Redis and PostgreSQL', () => {
  let database: { url: string; drop: () => Promise<void> };
  let nodeA: ServerProcess;
  let nodeB: ServerProcess;
  let sql: pg.Client;
  let operatorToken: string;

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    const env = {
      REDIS_URL: redisUrl,
      ADMIN_UI_USERNAME: adminUsername,
      ADMIN_UI_PASSWORD: adminPassword,
      SEARCH_RATE_BURST: '1000',
    };
    // One after the other: the first applies the migrations.
    nodeA = await spawnServer(database.url, env);
    nodeB = await spawnServer(database.url, env);
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    // The first account of the database: with OPERATORS unset, the operator.
    operatorToken = (await signIn(nodeA.url, 'root')).token;
  });
  afterAll(async () => {
    closeAllClients();
    await sql?.end();
    for (const node of [nodeA, nodeB]) node?.child.kill('SIGKILL');
    await Promise.all([nodeA?.exited, nodeB?.exited]);
    if (database) await deleteRedisKeys(await defaultRedisPrefix(database.url));
    await database?.drop();
  });

  async function chatOn(node: ServerProcess, name: string): Promise<ChatClient> {
    const session = await signIn(node.url, name);
    return connect(socketFor<ChatClient>(node.url, Namespace.Chat, session.token));
  }

  async function send(socket: ChatClient, roomId: string, text: string): Promise<Message> {
    return (
      await commandOk<ChatCommandResults['message:send']>(socket, ChatCommand.MessageSend, {
        opId: randomUUID(),
        roomId,
        text,
      })
    ).message;
  }

  const search = (socket: ChatClient, payload: Record<string, unknown>) =>
    commandOk<MessageSearchResult>(socket, ChatCommand.MessageSearch, payload);

  it('searches with PostgreSQL full text: words, prefixes, privacy, deletes, pages and hostile syntax', async () => {
    const ann = await chatOn(nodeA, 'ann');
    const bob = await chatOn(nodeB, 'bob');
    const { room } = await commandOk<ChatCommandResults['room:create']>(ann, ChatCommand.RoomCreate, {
      name: 'secret plans',
      visibility: 'private',
    });
    await commandOk(ann, ChatCommand.RoomJoin, { roomId: room.id });
    const word = `w${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const sent: Message[] = [];
    for (let index = 0; index < 5; index++) sent.push(await send(ann, room.id, `Déployé ${word} number ${index}`));

    // Written on node A, found from node B's user only once a member.
    expect((await search(bob, { query: word })).results).toEqual([]);
    await commandOk(bob, ChatCommand.RoomJoin, { roomId: room.id, inviteCode: room.inviteCode });
    const byPrefix = await search(bob, { query: `${word.slice(0, 7).toUpperCase()} DÉPLOYÉ`, limit: 3 });
    expect(byPrefix.results.map((hit) => hit.message.id)).toEqual([sent[4].id, sent[3].id, sent[2].id]);
    expect(byPrefix.results[0].highlight.filter((part) => part.match).map((part) => part.text)).toEqual([
      'Déployé',
      word,
    ]);
    const rest = await search(bob, { query: word, limit: 3, cursor: byPrefix.nextCursor });
    expect(rest).toEqual({ results: expect.any(Array), nextCursor: null });
    expect(rest.results.map((hit) => hit.message.id)).toEqual([sent[1].id, sent[0].id]);

    await commandOk(ann, ChatCommand.MessageDelete, { opId: randomUUID(), messageId: sent[4].id });
    expect((await search(bob, { query: word })).results.map((hit) => hit.message.id)).not.toContain(sent[4].id);
    const indexed = await sql.query(
      `SELECT count(*)::int AS n FROM "Message" WHERE to_tsvector('simple', "text") @@ to_tsquery('simple', $1)`,
      [`${word}:*`],
    );
    expect(indexed.rows[0]).toEqual({ n: 4 });

    for (const query of [`"${word}`, `${word}:* | !x`, `${word}'); DROP TABLE "Message"; --`, `NEAR(${word} <-> a)`]) {
      const ack = await command<MessageSearchResult>(bob, ChatCommand.MessageSearch, { query });
      expect({ query, ok: ack.ok }).toEqual({ query, ok: true });
    }
    expect(await command(bob, ChatCommand.MessageSearch, { query: ':* & !' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.Validation },
    });
  });

  it("pushes each node's figures to an operator connected to either node, and refuses others", async () => {
    const stranger = await signIn(nodeB.url, 'stranger');
    const refused = await connect(socketFor(nodeB.url, OpsNamespace, stranger.token)).catch((error: unknown) => error);
    expect(refused).toMatchObject({ data: { code: ErrorCode.Forbidden } });

    const operator = await connect(socketFor(nodeB.url, OpsNamespace, operatorToken));
    const nodes = new Set<string>();
    operator.on(OpsBroadcast.Stats, (stats: NodeStats) => nodes.add(stats.node));
    await eventually(() => nodes.size === 2, 'figures from both nodes', 10_000);
  });

  it('shows both nodes in the Admin UI, whichever node it is connected to', async () => {
    const admin = socketFor(nodeA.url, '/admin');
    admin.auth = { username: adminUsername, password: adminPassword };
    const servers = new Set<string>();
    admin.on('server_stats', (stats: { serverId: string }) => servers.add(stats.serverId));
    await connect(admin);
    await eventually(() => servers.size === 2, 'server_stats from both nodes', 15_000);
    expect([...servers].every((id) => /#\d+$/.test(id))).toBe(true);
  });
});
