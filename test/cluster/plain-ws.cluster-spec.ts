import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  Namespace,
  type PresencePage,
  type ChatCommandResults,
  type MessageCreated,
  type PresenceChanged,
} from '@tandem/contract';
import { closeAllClients, commandOk, connect, signIn, socketFor, type ChatClient } from '../support/clients.js';
import { PlainWsClient, closeAllPlainClients } from '../support/plain-ws.js';
import { onlineNames } from '../support/presence.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { externalServices, freshPostgresDatabase, redisUrl } from '../support/services.js';

const services = await externalServices();
if (!services.ok && process.env.CI) {
  throw new Error(`the cluster suite cannot run: ${services.why}`);
}
if (!services.ok) console.log(`skipped: plain WebSocket cluster suite needs Redis and PostgreSQL (${services.why})`);
// Skipped only outside CI, and only when Redis or PostgreSQL is unreachable (said just above).
const describeWhenServicesRun = services.ok ? describe : describe.skip;

describeWhenServicesRun('/ws on two nodes', () => {
  let database: { url: string; drop: () => Promise<void> };
  let nodeA: ServerProcess;
  let nodeB: ServerProcess;

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    const env = { REDIS_URL: redisUrl, PRESENCE_GRACE_MS: '300' };
    // One after the other: the first applies the migrations.
    nodeA = await spawnServer(database.url, env);
    nodeB = await spawnServer(database.url, env);
  });
  afterAll(async () => {
    closeAllPlainClients();
    closeAllClients();
    for (const node of [nodeA, nodeB]) node?.child.kill('SIGKILL');
    await Promise.all([nodeA?.exited, nodeB?.exited]);
    await database?.drop();
  });

  it('delivers a message sent on node A to a plain client on node B, and counts it in presence there', async () => {
    const annSession = await signIn(nodeA.url, 'ann');
    const ann = await connect(socketFor<ChatClient>(nodeA.url, Namespace.Chat, annSession.token));
    const { room } = await commandOk<ChatCommandResults['room:create']>(ann, ChatCommand.RoomCreate, {
      name: 'across',
    });
    await commandOk(ann, ChatCommand.RoomJoin, { roomId: room.id });

    const bobSession = await signIn(nodeB.url, 'bob');
    const { client: bob } = await PlainWsClient.connect(nodeB.url, bobSession.token);
    await bob.commandOk<ChatCommandResults['room:join']>(Namespace.Chat, ChatCommand.RoomJoin, { roomId: room.id });
    // Presence counts every node's sockets: ann (node A, Socket.IO) and bob (node B, plain).
    const members = () => bob.commandOk<PresencePage>(Namespace.Chat, ChatCommand.RoomMembers, { roomId: room.id });
    expect(await onlineNames(members, ['ann', 'bob'])).toEqual(['ann', 'bob']);

    // Joins write system messages ("bob joined") that travel too: wait for the users' messages.
    const toBob = bob.nextEvent<MessageCreated>(
      Namespace.Chat,
      ChatBroadcast.MessageCreated,
      (event) => event.message.kind === 'user',
    );
    const opId = randomUUID();
    const sent = await commandOk<ChatCommandResults['message:send']>(ann, ChatCommand.MessageSend, {
      opId,
      roomId: room.id,
      text: 'from node A',
    });
    // The broadcast names the sending opId, so the sender's other clients replace their pending copy.
    expect(await toBob).toEqual({ roomId: room.id, seq: sent.message.seq, message: sent.message, opId });

    // And back: bob's message over /ws on node B reaches ann's Socket.IO socket on node A.
    const toAnn = new Promise<MessageCreated>((resolve) => {
      const listener = (event: MessageCreated) => {
        if (event.message.text !== 'from node B') return;
        ann.off(ChatBroadcast.MessageCreated, listener);
        resolve(event);
      };
      ann.on(ChatBroadcast.MessageCreated, listener);
    });
    const reply = await bob.commandOk<ChatCommandResults['message:send']>(Namespace.Chat, ChatCommand.MessageSend, {
      opId: randomUUID(),
      roomId: room.id,
      text: 'from node B',
    });
    expect((await toAnn).message).toEqual(reply.message);

    const bobGone = new Promise<PresenceChanged>((resolve) => {
      const listener = (event: PresenceChanged) => {
        if (!event.removed.includes(bobSession.user.id)) return;
        ann.off(ChatBroadcast.Presence, listener);
        resolve(event);
      };
      ann.on(ChatBroadcast.Presence, listener);
    });
    bob.close();
    expect((await bobGone).online).toBe(1);
  });
});
