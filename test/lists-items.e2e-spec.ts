import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ListsBroadcast, ListsCommand, rooms, type Item, type ItemChanged } from '@tandem/contract';
import { command, commandOk, eventually, listsClient, nextEvent, settle } from './support/clients.js';
import { createItem, createList, heardBy, join, listsSuite, move, okData, update, versioned } from './support/lists.js';
import { essentials } from './support/list-copy.js';

describe('lists', () => {
  const { server, sharedList, storedItems, storedLiveItems, writeState } = listsSuite();

  // ---- items ----------------------------------------------------------------------------------

  describe('items', () => {
    it('creates items at the end, broadcast with seq to the list only, committed before the ack', async () => {
      const { ann, bob, list, annSession } = await sharedList();
      const { socket: carol } = await listsClient(server.url, 'carol');
      const elsewhere = await createList(carol);
      await join(carol, elsewhere.id);
      const heardByCarol = heardBy(carol);
      const heardByBob = heardBy(bob);

      const created: Item[] = [];
      for (const text of ['milk', 'eggs', 'bread']) {
        const item = await createItem(ann, list.id, text);
        const stored = server.db.prepare('SELECT text, version, position FROM Item WHERE id = ?').get(item.id);
        expect(stored).toEqual({ text, version: 1, position: item.position });
        created.push(item);
      }
      expect(created[0]).toMatchObject({
        listId: list.id,
        text: 'milk',
        done: false,
        version: 1,
        createdBy: annSession.user,
        updatedBy: annSession.user,
      });
      expect(created.map((item) => item.position)).toEqual([...created.map((item) => item.position)].sort());
      await eventually(() => heardByBob.length === 3, 'three item:created');
      expect(heardByBob).toEqual(
        created.map((item, i) => ({ event: ListsBroadcast.ItemCreated, data: { listId: list.id, seq: i + 1, item } })),
      );
      const changes = server.db
        .prepare('SELECT seq, event FROM Change WHERE streamKey = ? ORDER BY seq')
        .all(rooms.list(list.id));
      expect(changes).toEqual([1, 2, 3].map((seq) => ({ seq, event: ListsBroadcast.ItemCreated })));
      await settle();
      expect(heardByCarol).toEqual([]);
      expect((await join(bob, list.id)).items).toEqual(created);
    });

    it('updates text and done, bumping the version, and names who changed it', async () => {
      const { ann, bob, list, items, bobSession } = await sharedList(['milk']);
      const toAnn = nextEvent<ItemChanged>(ann, ListsBroadcast.ItemUpdated);
      const { item } = okData(await update(bob, items[0], { text: '  oat milk ', done: true }));
      expect(item).toMatchObject({
        id: items[0].id,
        text: 'oat milk',
        done: true,
        version: 2,
        updatedBy: bobSession.user,
      });
      expect(item.position).toBe(items[0].position);
      expect(await toAnn).toEqual({ listId: list.id, seq: 2, item });
      expect(storedLiveItems(list.id)).toEqual(essentials([item]));
    });

    it('applies a retried command with the same opId once, returning the first result', async () => {
      const { ann, bob, list } = await sharedList();
      const heard = heardBy(bob);
      const payload = { opId: randomUUID(), listId: list.id, text: 'once' };
      const [first, second] = await Promise.all([
        commandOk(ann, ListsCommand.ItemCreate, payload),
        commandOk(ann, ListsCommand.ItemCreate, payload),
      ]);
      expect(second).toEqual(first);
      expect(await commandOk(ann, ListsCommand.ItemCreate, payload)).toEqual(first);
      await settle();
      expect(heard).toHaveLength(1);
      expect(storedItems(list.id)).toHaveLength(1);
    });

    it('answers a retried item write with the item as that write left it, after later writes', async () => {
      const { ann, bob, list, items } = await sharedList(['a', 'b']);
      const write = (event: string, item: Item, extra: Record<string, unknown> = {}) => {
        const payload = { opId: randomUUID(), itemId: item.id, version: item.version, ...extra };
        return commandOk<{ item: Item }>(ann, event, payload).then(({ item: written }) => ({ payload, written }));
      };
      const updated = await write(ListsCommand.ItemUpdate, items[0], { patch: { text: 'a2', done: true } });
      const moved = await write(ListsCommand.ItemMove, updated.written, { afterId: items[1].id });
      const deleted = await write(ListsCommand.ItemDelete, moved.written);
      const restored = await write(ListsCommand.ItemRestore, deleted.written);
      await update(bob, restored.written, { text: 'later' });
      const heard = heardBy(bob);
      for (const [event, { payload, written }] of [
        [ListsCommand.ItemUpdate, updated],
        [ListsCommand.ItemMove, moved],
        [ListsCommand.ItemDelete, deleted],
        [ListsCommand.ItemRestore, restored],
      ] as const)
        expect(await commandOk(ann, event, payload)).toEqual({ item: written });
      const created = { opId: randomUUID(), listId: list.id, text: 'c' };
      const first = await commandOk(ann, ListsCommand.ItemCreate, created);
      await update(bob, (first as { item: Item }).item, { text: 'c2' });
      expect(await commandOk(ann, ListsCommand.ItemCreate, created)).toEqual(first);
      await settle();
      expect(heard.map(({ event }) => event)).toEqual([ListsBroadcast.ItemCreated, ListsBroadcast.ItemUpdated]);
    });

    it('refuses item writes from a user who has not joined the list, writing nothing', async () => {
      const { ann, list, items } = await sharedList(['milk']);
      const { socket: stranger } = await listsClient(server.url, 'stranger');
      const heard = heardBy(ann);
      const before = writeState();
      const acks = await Promise.all([
        command(stranger, ListsCommand.ItemCreate, { opId: randomUUID(), listId: list.id, text: 'sneaky' }),
        update(stranger, items[0], { done: true }),
        versioned(stranger, ListsCommand.ItemDelete, items[0]),
        move(stranger, items[0], { afterId: null }),
        command(stranger, ListsCommand.ListRename, { opId: randomUUID(), listId: list.id, title: 'mine' }),
      ]);
      for (const ack of acks) expect(ack).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      await settle();
      expect(heard).toEqual([]);
      expect(writeState()).toEqual(before);
    });
  });

  // ---- restore --------------------------------------------------------------------------------

  describe('restore', () => {
    it('undoes a delete: the item comes back in its place, with a new version', async () => {
      const { ann, bob, list, items } = await sharedList(['a', 'b', 'c']);
      const { item: deleted } = okData(await versioned(ann, ListsCommand.ItemDelete, items[1]));
      const toBob = nextEvent<ItemChanged>(bob, ListsBroadcast.ItemRestored);
      const { item: restored } = okData(await versioned(ann, ListsCommand.ItemRestore, deleted));
      expect(restored).toMatchObject({ id: items[1].id, text: 'b', version: 3, position: items[1].position });
      expect(restored.deletedAt).toBeUndefined();
      expect(await toBob).toEqual({ listId: list.id, seq: 5, item: restored });
      expect((await join(bob, list.id)).items.map((item) => item.text)).toEqual(['a', 'b', 'c']);
    });

    it('refuses to restore an item that is not deleted, or with a stale version', async () => {
      const { ann, bob, items } = await sharedList(['a']);
      const heard = heardBy(ann);
      const before = writeState();
      expect(await versioned(bob, ListsCommand.ItemRestore, items[0])).toMatchObject({
        ok: false,
        error: { code: 'CONFLICT', details: { current: items[0] } },
      });
      await settle();
      expect(heard).toEqual([]);
      expect(writeState()).toEqual(before);

      const { item: deleted } = okData(await versioned(ann, ListsCommand.ItemDelete, items[0]));
      const afterDelete = writeState();
      expect(await versioned(bob, ListsCommand.ItemRestore, items[0])).toMatchObject({
        ok: false,
        error: { code: 'CONFLICT', details: { current: deleted } },
      });
      expect(writeState()).toEqual(afterDelete);
    });

    it('gives a restored item a free key when its old one was taken meanwhile', async () => {
      const { ann, list, items } = await sharedList(['a', 'b', 'c']);
      const { item: deleted } = okData(await versioned(ann, ListsCommand.ItemDelete, items[1]));
      // Another item takes the deleted one's key.
      okData(await update(ann, items[2], { position: items[1].position }));
      const { item: restored } = okData(await versioned(ann, ListsCommand.ItemRestore, deleted));
      expect(restored.position).not.toBe(items[1].position);
      const order = (await join(ann, list.id)).items;
      expect(order.map((item) => item.text)).toEqual(['a', 'c', 'b']);
      expect(new Set(order.map((item) => item.position)).size).toBe(3);
    });
  });
});
