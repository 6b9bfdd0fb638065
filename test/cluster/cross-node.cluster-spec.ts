import { randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { ChatBroadcast, ChatCommand, DirectoryBroadcast, Namespace } from '@tandem/contract';
import type {
  ChatCommandResults,
  DirectoryChanged,
  MessageCreated,
  PresenceChanged,
  RoomSnapshot,
} from '@tandem/contract';
import { commandOk, connect, eventually, nextEvent, record, settle, socketFor } from '../support/clients.js';
import type { ChatClient } from '../support/clients.js';
import { PresenceView } from '../support/presence.js';
import { describeWithServices } from '../support/services.js';
import { chatOn, roomOn, serverPair } from '../support/server-pair.js';

const describeWhenServicesRun = await describeWithServices('the cluster suite');

describeWhenServicesRun('two nodes on Redis and PostgreSQL', () => {
  const cluster = serverPair();

  it('answers ready on both nodes, with Redis', async () => {
    for (const node of [cluster.nodeA, cluster.nodeB]) {
      const response = await fetch(`${node.url}/health/ready`);
      expect(await response.json()).toEqual({ status: 'ready', database: 'ok', redis: 'ok' });
    }
  });

  it('carries a message sent on node A to a member on node B, and back', async () => {
    const roomId = await roomOn(cluster.nodeA);
    const ann = await chatOn(cluster.nodeA, 'ann');
    const bob = await chatOn(cluster.nodeB, 'bob');
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
    const ann = await chatOn(cluster.nodeA, 'ann');
    const bob = await chatOn(cluster.nodeB, 'bob');
    const carol = await chatOn(cluster.nodeB, 'carol');
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
    const roomId = await roomOn(cluster.nodeA);
    const watcher = await chatOn(cluster.nodeA, 'watcher');
    const seen = new PresenceView(watcher.socket, roomId).start(
      (await commandOk<RoomSnapshot>(watcher.socket, ChatCommand.RoomJoin, { roomId })).presence,
    );
    const carol = await chatOn(cluster.nodeA, 'carol');
    const carolOnB = await connect(socketFor<ChatClient>(cluster.nodeB.url, Namespace.Chat, carol.session.token));
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
    const roomId = await roomOn(cluster.nodeA);
    const watcher = await chatOn(cluster.nodeB, 'watcher');
    const seen = new PresenceView(watcher.socket, roomId).start(
      (await commandOk<RoomSnapshot>(watcher.socket, ChatCommand.RoomJoin, { roomId })).presence,
    );
    const dan = await chatOn(cluster.nodeA, 'dan');
    await commandOk(dan.socket, ChatCommand.RoomJoin, { roomId });
    await eventually(() => seen.names().join() === 'dan,watcher', 'dan online');
    const presence = record<PresenceChanged>(watcher.socket, ChatBroadcast.Presence);

    dan.socket.disconnect();
    const danOnB = await connect(socketFor<ChatClient>(cluster.nodeB.url, Namespace.Chat, dan.session.token));
    await commandOk(danOnB, ChatCommand.RoomJoin, { roomId });
    // Past node A's grace: dan's tab on node B keeps him listed.
    await settle(800);
    for (const event of presence) expect(event.removed).toEqual([]);
    expect(seen.names()).toEqual(['dan', 'watcher']);
  });
});
