import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  ListsBroadcast,
  ListsCommand,
  listPath,
  type ListDeleted,
  type ListUpdated,
  type ListsCommandResults,
} from '@tandem/contract';
import {
  command,
  commandOk,
  connect,
  eventually,
  listsClient,
  nextEvent,
  settle,
  socketFor,
  type ListsClient,
} from './support/clients.js';
import { createItem, createList, heardBy, join, listsSuite, update, versioned } from './support/lists.js';

describe('lists', () => {
  const { server, sharedList, writeState, getJson } = listsSuite();

  // ---- lists ----------------------------------------------------------------------------------

  describe('lists', () => {
    it('creates a list, lists it, and joins it with its items and seq', async () => {
      const { socket: ann } = await listsClient(server.url, 'ann');
      const { socket: bob } = await listsClient(server.url, 'bob');
      const list = await createList(ann, '  Groceries  ');
      expect(list).toMatchObject({ title: 'Groceries', visibility: 'public', seq: 0, ownerId: expect.any(String) });
      expect(list.inviteCode).toBeUndefined();

      const { lists } = await commandOk<ListsCommandResults['list:list']>(bob, ListsCommand.ListList, {});
      expect(lists.map((listed) => listed.id)).toContain(list.id);

      const joined = await join(bob, list.id);
      expect(joined).toEqual({ list: { ...list, seq: 0 }, seq: 0, items: [] });
      expect(server.db.prepare('SELECT COUNT(*) AS n FROM ListMember WHERE listId = ?').get(list.id)).toEqual({ n: 2 });
    });

    it('answers NOT_FOUND for a list that does not exist', async () => {
      const { socket } = await listsClient(server.url, 'ann');
      expect(await command(socket, ListsCommand.ListJoin, { listId: randomUUID() })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
    });

    it('keeps private lists to members: invite code needed, hidden from others, membership persisted', async () => {
      const { socket: owner } = await listsClient(server.url, 'owner');
      const { socket: guest, session } = await listsClient(server.url, 'guest');
      const list = await createList(owner, 'secret plans', 'private');
      expect(list.inviteCode).toEqual(expect.any(String));
      const heard = heardBy(owner);
      await join(owner, list.id);

      const before = writeState();
      const listed = await commandOk<ListsCommandResults['list:list']>(guest, ListsCommand.ListList, {});
      expect(listed.lists.map((l) => l.id)).not.toContain(list.id);
      for (const extra of [{}, { inviteCode: 'wrong' }]) {
        expect(await command(guest, ListsCommand.ListJoin, { listId: list.id, ...extra })).toMatchObject({
          ok: false,
          error: { code: 'FORBIDDEN' },
        });
      }
      expect(
        await command(guest, ListsCommand.ItemCreate, { opId: randomUUID(), listId: list.id, text: 'x' }),
      ).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      await settle();
      expect(writeState()).toEqual(before);
      expect(heard).toEqual([]);

      const joined = await join(guest, list.id, { inviteCode: list.inviteCode });
      expect(joined.list.inviteCode).toBe(list.inviteCode);
      expect(
        server.db
          .prepare('SELECT COUNT(*) AS n FROM ListMember WHERE listId = ? AND userId = ?')
          .get(list.id, session.user.id),
      ).toEqual({ n: 1 });
      // Membership outlives the socket: a new connection joins without the code.
      const again = await connect(socketFor<ListsClient>(server.url, '/lists', session.token));
      expect((await join(again, list.id)).list.id).toBe(list.id);
      const listedAfter = await commandOk<ListsCommandResults['list:list']>(again, ListsCommand.ListList, {});
      expect(listedAfter.lists.find((l) => l.id === list.id)?.inviteCode).toBe(list.inviteCode);
    });

    it('renames a list for every member, with seq', async () => {
      const { ann, bob, list } = await sharedList();
      const toBob = nextEvent<ListUpdated>(bob, ListsBroadcast.ListUpdated);
      const { list: renamed } = await commandOk<ListsCommandResults['list:rename']>(ann, ListsCommand.ListRename, {
        opId: randomUUID(),
        listId: list.id,
        title: 'Renamed',
      });
      expect(renamed).toMatchObject({ id: list.id, title: 'Renamed', seq: 1 });
      expect(await toBob).toEqual({ listId: list.id, seq: 1, list: renamed });
      expect((await join(bob, list.id)).list.title).toBe('Renamed');

      // Sent in one turn: one transaction, the renames side by side; the list keeps the title of
      // the last list:updated.
      const heard = heardBy(bob);
      const rename = (socket: ListsClient, title: string) =>
        commandOk<ListsCommandResults['list:rename']>(socket, ListsCommand.ListRename, {
          opId: randomUUID(),
          listId: list.id,
          title,
        });
      const answers = await Promise.all([rename(ann, 'one'), rename(bob, 'two'), rename(ann, 'three')]);
      expect(answers.map((answer) => answer.list.seq).sort()).toEqual([2, 3, 4]);
      const last = answers.find((answer) => answer.list.seq === 4)!.list.title;
      const updates = () => heard.filter(({ event }) => event === ListsBroadcast.ListUpdated);
      await eventually(() => updates().length === 3, 'the renames');
      expect(updates().map(({ data }) => (data as ListUpdated).seq)).toEqual([2, 3, 4]);
      expect((updates().at(-1)!.data as ListUpdated).list.title).toBe(last);
      expect((await join(bob, list.id)).list).toMatchObject({ title: last, seq: 4 });
    });

    it('lets only the owner delete a list; then list:deleted, and NOT_FOUND for everything on it', async () => {
      const { ann, bob, list, items, annSession } = await sharedList(['milk']);
      const heardByAnn = heardBy(ann);
      const before = writeState();
      expect(await command(bob, ListsCommand.ListDelete, { opId: randomUUID(), listId: list.id })).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      await settle();
      expect(writeState()).toEqual(before);
      expect(heardByAnn).toEqual([]);

      const toBob = nextEvent<ListDeleted>(bob, ListsBroadcast.ListDeleted);
      expect(await commandOk(ann, ListsCommand.ListDelete, { opId: randomUUID(), listId: list.id })).toEqual({
        listId: list.id,
      });
      expect(await toBob).toEqual({ listId: list.id, seq: 2 });
      expect(server.db.prepare('SELECT deletedAt IS NOT NULL AS deleted FROM List WHERE id = ?').get(list.id)).toEqual({
        deleted: 1,
      });

      const heardByBob = heardBy(bob);
      const afterDelete = writeState();
      const refusals = await Promise.all([
        command(bob, ListsCommand.ListJoin, { listId: list.id }),
        command(ann, ListsCommand.ItemCreate, { opId: randomUUID(), listId: list.id, text: 'more' }),
        update(ann, items[0], { done: true }),
        versioned(ann, ListsCommand.ItemDelete, items[0]),
        command(ann, ListsCommand.ListRename, { opId: randomUUID(), listId: list.id, title: 'x' }),
      ]);
      for (const ack of refusals) expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect((await getJson(listPath(list.id), annSession.token)).status).toBe(404);
      const listed = await commandOk<ListsCommandResults['list:list']>(ann, ListsCommand.ListList, {});
      expect(listed.lists.map((l) => l.id)).not.toContain(list.id);
      await settle();
      expect(writeState()).toEqual(afterDelete);
      expect(heardByBob).toEqual([]);
    });

    it('stops broadcasts to a socket that leaves, and keeps the user a member', async () => {
      const { ann, bob, list, bobSession } = await sharedList();
      expect(await commandOk(bob, ListsCommand.ListLeave, { listId: list.id })).toEqual({ listId: list.id });
      const heard = heardBy(bob);
      await createItem(ann, list.id, 'unheard');
      await settle();
      expect(heard).toEqual([]);
      expect(
        server.db
          .prepare('SELECT COUNT(*) AS n FROM ListMember WHERE listId = ? AND userId = ?')
          .get(list.id, bobSession.user.id),
      ).toEqual({ n: 1 });
    });
  });
});
