import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  ChatCommand,
  DirectoryBroadcast,
  ListsCommand,
  Namespace,
  ScoreboardCommand,
  directoryChangedSchema,
  type Board,
  type DirectoryChanged,
  type List,
  type Room,
  type SessionCreated,
} from '@tandem/contract';
import type { Socket } from 'socket.io-client';
import { command, commandOk, connect, nextEvent, record, settle, signIn, socketFor } from './support/clients.js';
import { serverForSuite } from './support/server.js';

describe('the live directory of rooms, boards and lists', () => {
  const server = serverForSuite();

  /** Three people, each connected to `namespace`, nobody in any space yet. */
  async function people(namespace: string) {
    const connected = async (name: string) => {
      const session = await signIn(server.url, name);
      return { session, socket: await connect(socketFor(server.url, namespace, session.token)) };
    };
    const [ann, bob, carol] = await Promise.all([connected('ann'), connected('bob'), connected('carol')]);
    return { ann, bob, carol };
  }

  /** The next `directory:changed` about `spaceId`, checked against the contract's schema. */
  async function nextChange(socket: Socket, spaceId: string): Promise<DirectoryChanged> {
    const payload = await nextEvent<DirectoryChanged>(
      socket,
      DirectoryBroadcast.Changed,
      (change) => change.space.id === spaceId,
    );
    return directoryChangedSchema.parse(payload);
  }

  function another(session: SessionCreated, namespace: string): Promise<Socket> {
    return connect(socketFor(server.url, namespace, session.token));
  }

  describe('/chat', () => {
    it('tells every connected client of a public room created and renamed', async () => {
      const { ann, bob, carol } = await people(Namespace.Chat);
      const toBob = nextEvent<DirectoryChanged>(bob.socket, DirectoryBroadcast.Changed);
      const toCarol = nextEvent<DirectoryChanged>(carol.socket, DirectoryBroadcast.Changed);
      const { room } = await commandOk<{ room: Room }>(ann.socket, ChatCommand.RoomCreate, { name: 'lobby' });
      const created = {
        kind: 'created',
        space: {
          id: room.id,
          name: 'lobby',
          visibility: 'public',
          ownerId: ann.session.user.id,
          createdAt: room.createdAt,
          seq: 0,
        },
      };
      expect(directoryChangedSchema.parse(await toBob)).toEqual(created);
      expect(await toCarol).toEqual(created);

      const renamedToCarol = nextChange(carol.socket, room.id);
      const { room: renamed } = await commandOk<{ room: Room }>(ann.socket, ChatCommand.RoomRename, {
        opId: randomUUID(),
        roomId: room.id,
        name: 'hall',
      });
      expect(await renamedToCarol).toEqual({
        kind: 'renamed',
        space: { ...created.space, name: 'hall', seq: renamed.seq },
      });
    });

    it("tells a private room's changes to its members only, with its invite code", async () => {
      const { ann, bob, carol } = await people(Namespace.Chat);
      const annElsewhere = await another(ann.session, Namespace.Chat);
      const heardByBob = record<DirectoryChanged>(bob.socket, DirectoryBroadcast.Changed);
      const heardByCarol = record<DirectoryChanged>(carol.socket, DirectoryBroadcast.Changed);
      const toAnnsOtherTab = nextEvent<DirectoryChanged>(annElsewhere, DirectoryBroadcast.Changed);
      const { room } = await commandOk<{ room: Room }>(ann.socket, ChatCommand.RoomCreate, {
        name: 'den',
        visibility: 'private',
      });
      expect(await toAnnsOtherTab).toMatchObject({
        kind: 'created',
        space: { id: room.id, visibility: 'private', inviteCode: room.inviteCode },
      });
      await commandOk(bob.socket, ChatCommand.RoomJoin, { roomId: room.id, inviteCode: room.inviteCode });

      const toBob = nextChange(bob.socket, room.id);
      await commandOk(ann.socket, ChatCommand.RoomRename, { opId: randomUUID(), roomId: room.id, name: 'lair' });
      expect(await toBob).toMatchObject({ kind: 'renamed', space: { id: room.id, name: 'lair' } });
      await settle();
      expect(heardByCarol).toEqual([]);
      expect(heardByBob).toHaveLength(1);
    });

    it('tells nobody of a refused rename or create', async () => {
      const { ann, bob } = await people(Namespace.Chat);
      const { room } = await commandOk<{ room: Room }>(ann.socket, ChatCommand.RoomCreate, { name: 'mine' });
      await settle();
      const heardByAnn = record(ann.socket, DirectoryBroadcast.Changed);
      const refusals = await Promise.all([
        command(bob.socket, ChatCommand.RoomRename, { opId: randomUUID(), roomId: room.id, name: 'theirs' }),
        command(bob.socket, ChatCommand.RoomCreate, { name: '' }),
      ]);
      expect(refusals.map((ack) => !ack.ok && ack.error.code)).toEqual(['FORBIDDEN', 'VALIDATION']);
      await settle();
      expect(heardByAnn).toEqual([]);
    });
  });

  describe('/scoreboard', () => {
    it('tells everyone of a public board, and only its owner of a private one', async () => {
      const { ann, bob, carol } = await people(Namespace.Scoreboard);
      const toCarol = nextEvent<DirectoryChanged>(carol.socket, DirectoryBroadcast.Changed);
      const { board } = await commandOk<{ board: Board }>(ann.socket, ScoreboardCommand.BoardCreate, { name: 'darts' });
      expect(directoryChangedSchema.parse(await toCarol)).toMatchObject({
        kind: 'created',
        space: { id: board.id, name: 'darts', visibility: 'public', ownerId: ann.session.user.id, seq: 0 },
      });

      const heardByBob = record<DirectoryChanged>(bob.socket, DirectoryBroadcast.Changed);
      const toAnn = nextEvent<DirectoryChanged>(ann.socket, DirectoryBroadcast.Changed);
      const { board: secret } = await commandOk<{ board: Board }>(ann.socket, ScoreboardCommand.BoardCreate, {
        name: 'poker',
        visibility: 'private',
      });
      expect(await toAnn).toMatchObject({ kind: 'created', space: { id: secret.id, inviteCode: secret.inviteCode } });
      await settle();
      expect(heardByBob).toEqual([]);
    });
  });

  describe('/lists', () => {
    it('tells every connected client of a public list created, renamed and deleted', async () => {
      const { ann, carol } = await people(Namespace.Lists);
      const toCarol = nextEvent<DirectoryChanged>(carol.socket, DirectoryBroadcast.Changed);
      const { list } = await commandOk<{ list: List }>(ann.socket, ListsCommand.ListCreate, { title: 'groceries' });
      const space = {
        id: list.id,
        name: 'groceries',
        visibility: 'public',
        ownerId: ann.session.user.id,
        createdAt: list.createdAt,
        seq: 0,
      };
      expect(await toCarol).toEqual({ kind: 'created', space });

      const renamed = nextChange(carol.socket, list.id);
      await commandOk(ann.socket, ListsCommand.ListRename, { opId: randomUUID(), listId: list.id, title: 'food' });
      expect(await renamed).toEqual({ kind: 'renamed', space: { ...space, name: 'food', seq: 1 } });

      const deleted = nextChange(carol.socket, list.id);
      await commandOk(ann.socket, ListsCommand.ListDelete, { opId: randomUUID(), listId: list.id });
      expect(await deleted).toEqual({ kind: 'deleted', space: { ...space, name: 'food', seq: 2 } });
    });

    it('announces a retried rename with the list as it is now, not as the retried rename left it', async () => {
      const { ann, carol } = await people(Namespace.Lists);
      const created = nextEvent<DirectoryChanged>(carol.socket, DirectoryBroadcast.Changed);
      const { list } = await commandOk<{ list: List }>(ann.socket, ListsCommand.ListCreate, { title: 'tools' });
      expect(await created).toMatchObject({ kind: 'created', space: { id: list.id } });
      const rename = (opId: string, title: string) =>
        commandOk(ann.socket, ListsCommand.ListRename, { opId, listId: list.id, title });
      const opId = randomUUID();
      const first = nextChange(carol.socket, list.id);
      await rename(opId, 'saws');
      expect(await first).toMatchObject({ kind: 'renamed', space: { name: 'saws', seq: 1 } });
      const second = nextChange(carol.socket, list.id);
      await rename(randomUUID(), 'drills');
      expect(await second).toMatchObject({ kind: 'renamed', space: { name: 'drills', seq: 2 } });

      const again = nextChange(carol.socket, list.id);
      expect(await rename(opId, 'saws')).toMatchObject({ list: { title: 'saws', seq: 1 } });
      expect(await again).toMatchObject({ kind: 'renamed', space: { name: 'drills', seq: 2 } });
    });

    it("tells a private list's rename and delete to its members only", async () => {
      const { ann, bob, carol } = await people(Namespace.Lists);
      const { list } = await commandOk<{ list: List }>(ann.socket, ListsCommand.ListCreate, {
        title: 'gifts',
        visibility: 'private',
      });
      await commandOk(bob.socket, ListsCommand.ListJoin, { listId: list.id, inviteCode: list.inviteCode });
      // Bob is a member, but not in the list's room: the directory reaches him all the same.
      await commandOk(bob.socket, ListsCommand.ListLeave, { listId: list.id });
      const heardByCarol = record<DirectoryChanged>(carol.socket, DirectoryBroadcast.Changed);

      const renamed = nextChange(bob.socket, list.id);
      await commandOk(ann.socket, ListsCommand.ListRename, { opId: randomUUID(), listId: list.id, title: 'presents' });
      expect(await renamed).toMatchObject({
        kind: 'renamed',
        space: { name: 'presents', inviteCode: list.inviteCode },
      });
      const deleted = nextChange(bob.socket, list.id);
      await commandOk(ann.socket, ListsCommand.ListDelete, { opId: randomUUID(), listId: list.id });
      expect(await deleted).toMatchObject({ kind: 'deleted', space: { id: list.id, visibility: 'private' } });
      await settle();
      expect(heardByCarol).toEqual([]);
    });
  });
});
