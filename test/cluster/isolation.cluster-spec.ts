import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  ChatSignal,
  generalRoom,
  Namespace,
  type MessageCreated,
  type PresenceChanged,
  type RoomSnapshot,
  type TypingChanged,
} from '@tandem/contract';
import { createClient } from 'redis';
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
 * Two deployments (two databases) on one Redis, as staging and production often are: the `general`
 * room has the same id in both, so only the key prefix keeps them apart.
 */
describeWhenServicesRun('two deployments on one Redis', () => {
  const databases: { url: string; drop: () => Promise<void> }[] = [];
  const nodes: ServerProcess[] = [];
  let first: { a: ServerProcess; b: ServerProcess; prefix: string };
  let second: { node: ServerProcess; prefix: string };

  beforeAll(async () => {
    const env = { REDIS_URL: redisUrl, PRESENCE_GRACE_MS: '0', TYPING_THROTTLE_MS: '0' };
    databases.push(await freshPostgresDatabase(), await freshPostgresDatabase());
    // The first node of each database applies its migrations, which draw its deployment id.
    nodes.push(await spawnServer(databases[0].url, env));
    nodes.push(await spawnServer(databases[0].url, env), await spawnServer(databases[1].url, env));
    first = { a: nodes[0], b: nodes[1], prefix: await defaultRedisPrefix(databases[0].url) };
    second = { node: nodes[2], prefix: await defaultRedisPrefix(databases[1].url) };
  });
  afterAll(async () => {
    closeAllClients();
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((node) => node.exited));
    for (const database of databases) {
      await deleteRedisKeys(await defaultRedisPrefix(database.url));
      await database.drop();
    }
  });

  async function inGeneral(node: ServerProcess, name: string) {
    const session = await signIn(node.url, name);
    const socket = await connect(socketFor<ChatClient>(node.url, Namespace.Chat, session.token));
    const joined = await commandOk<RoomSnapshot>(socket, ChatCommand.RoomJoin, { roomId: generalRoom.id });
    const messages = record<MessageCreated>(socket, ChatBroadcast.MessageCreated);
    return {
      socket,
      seen: new PresenceView(socket, generalRoom.id).start(joined.presence),
      /** The texts of the people's messages heard (system messages announce joins). */
      said: () => messages.filter((event) => event.message.kind === 'user').map((event) => event.message.text),
      presence: record<PresenceChanged>(socket, ChatBroadcast.Presence),
      typing: record<TypingChanged>(socket, ChatBroadcast.Typing),
    };
  }

  it('gives each database its own prefix, which every node of that database uses', async () => {
    expect(first.prefix).toMatch(/^tandem:[0-9a-f]{32}:$/);
    expect(second.prefix).toMatch(/^tandem:[0-9a-f]{32}:$/);
    expect(second.prefix).not.toBe(first.prefix);
    for (const node of [first.a, first.b]) expect(node.output()).toContain(`keys and channels under ${first.prefix}`);
    expect(second.node.output()).toContain(`keys and channels under ${second.prefix}`);
  });

  it('keeps messages, presence and typing within each deployment', async () => {
    const ann = await inGeneral(first.a, 'ann');
    const bob = await inGeneral(first.b, 'bob');
    const eve = await inGeneral(second.node, 'eve');
    await eventually(() => bob.seen.names().join() === 'ann,bob', 'ann and bob in presence');
    expect(eve.seen.names()).toEqual(['eve']);

    // The second deployment talks and types in its `general` first ...
    await commandOk(eve.socket, ChatCommand.MessageSend, { opId: randomUUID(), roomId: generalRoom.id, text: 'eve' });
    eve.socket.emit(ChatSignal.Typing, { roomId: generalRoom.id, typing: true });
    // ... then the first deployment does, across its two nodes: once this has arrived, anything
    // crossing from the second deployment would have arrived too.
    const heard = nextEvent<MessageCreated>(ann.socket, ChatBroadcast.MessageCreated, (e) => e.message.text === 'bob');
    const typed = nextEvent<TypingChanged>(bob.socket, ChatBroadcast.Typing);
    await commandOk(bob.socket, ChatCommand.MessageSend, { opId: randomUUID(), roomId: generalRoom.id, text: 'bob' });
    ann.socket.emit(ChatSignal.Typing, { roomId: generalRoom.id, typing: true });
    await Promise.all([heard, typed]);
    await eventually(() => eve.said().length === 1, "eve's own message");
    await settle(500);

    for (const client of [ann, bob]) {
      expect(client.said()).toEqual(['bob']);
      expect(client.typing.flatMap((event) => event.users.map((user) => user.name))).not.toContain('eve');
      for (const event of client.presence) expect(event.members.map((member) => member.name)).not.toContain('eve');
      expect(client.seen.names()).toEqual(['ann', 'bob']);
    }
    expect(bob.typing.flatMap((event) => event.users.map((user) => user.name))).toEqual(['ann']);
    expect(eve.said()).toEqual(['eve']);
    expect(eve.typing.flatMap((event) => event.users.map((user) => user.name))).toEqual(['eve']);
    for (const event of eve.presence) expect(event.members.map((member) => member.name)).not.toContain('ann');
    expect(eve.seen.names()).toEqual(['eve']);

    // Everything each deployment put in Redis sits under its own prefix.
    const redis = createClient({ url: redisUrl });
    await redis.connect();
    try {
      expect(await redis.type(`${first.prefix}socket.io`)).toBe('stream');
      expect(await redis.type(`${second.prefix}socket.io`)).toBe('stream');
    } finally {
      await redis.quit();
    }
  });

  it('shares one Redis prefix between deployments only when REDIS_PREFIX says so', async () => {
    const shared = `tandem:test-shared-${randomUUID()}:`;
    const database = await freshPostgresDatabase();
    databases.push(database);
    const env = { REDIS_URL: redisUrl, REDIS_PREFIX: shared };
    const one = await spawnServer(databases[0].url, env);
    nodes.push(one);
    const other = await spawnServer(database.url, env);
    nodes.push(other);
    const ann = await inGeneral(one, 'ann-shared');
    const eve = await inGeneral(other, 'eve-shared');
    const heard = nextEvent<MessageCreated>(ann.socket, ChatBroadcast.MessageCreated, (e) => e.message.text === 'hi');
    await commandOk(eve.socket, ChatCommand.MessageSend, { opId: randomUUID(), roomId: generalRoom.id, text: 'hi' });
    expect((await heard).message.author.name).toBe('eve-shared');
    await deleteRedisKeys(shared);
  });
});
