import { describe, expect, it } from '@jest/globals';
import { ListsBroadcast, timeOrderedId, type User } from '@tandem/contract';
import { SpaceKinds } from '../../../apps/api/src/space-kinds.js';
import type { SpaceKind } from '../../../apps/api/src/spaces/space-kinds.js';
import type { UnitOfWork } from '../../../apps/api/src/db/database.service.js';
import type { ItemState } from '../../../apps/api/src/lists/list-records.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';
import { publicSpace as publicSpaceOf, twoUsers } from './two-users.js';

/** Every query of the lists' repositories, on every database. */
export function listsCases(open: () => Promise<DataLayerDatabase>): void {
  let node: DataLayerNode;
  let ann: User;
  let bob: User;
  twoUsers(open, (world) => ({ node, ann, bob } = world));

  const publicSpace = (kind: SpaceKind, name: string) => publicSpaceOf(node, kind, name, ann);

  describe('lists', () => {
    /** A public list of ann's with one item of hers, at 'a0'. */
    const listWithItem = async (name: string, text: string) => {
      const list = await publicSpace(SpaceKinds.list, name);
      const item = await node.units.write((context) =>
        node.lists.createItem(context, { listId: list.id, text, user: ann }),
      );
      return { list, item };
    };

    it('creates a list and items, writes them at the version read, and refuses a stale write', async () => {
      const { list, item } = await listWithItem('food', 'milk');
      expect(item).toMatchObject({ version: 1, done: false, createdBy: ann });
      const state = (await node.lists.itemState(item.id))!;
      const updated = await node.units.write((context) =>
        node.lists.writeItemIfCurrent(context, {
          state,
          changes: { done: true, text: 'oat milk' },
          user: bob,
          event: ListsBroadcast.ItemUpdated,
        }),
      );
      expect(updated).toMatchObject({ version: 2, done: true, text: 'oat milk', updatedBy: bob });
      expect(await node.lists.findItem(item.id)).toEqual(updated);
      const stale = await node.units.write((context) =>
        node.lists.writeItemIfCurrent(context, {
          state,
          changes: { text: 'lost' },
          user: ann,
          event: ListsBroadcast.ItemUpdated,
        }),
      );
      expect(stale).toBeNull();
      const deleted = await node.units.write(async (context) =>
        node.lists.writeItemIfCurrent(context, {
          state: (await node.lists.itemState(item.id, context.sql))!,
          changes: { deleted: true },
          user: ann,
          event: ListsBroadcast.ItemDeleted,
        }),
      );
      expect(deleted).toMatchObject({ version: 3, deletedAt: expect.any(String) });
      expect(await node.lists.liveItems(list.id)).toEqual([]);
      await node.units.write(async (context) => {
        expect(await node.lists.nearestKey(list.id, 'before', null, '', context.sql)).toBeNull();
      });
      expect((await node.spaces.changesSince(SpaceKinds.list, list.id, 0, 10)).map((change) => change.event)).toEqual([
        ListsBroadcast.ItemCreated,
        ListsBroadcast.ItemUpdated,
        ListsBroadcast.ItemDeleted,
      ]);
    });

    it("reads an item with its list's state for the user who writes: deleted or not, member or not", async () => {
      const { list, item } = await listWithItem('errands', 'stamps');
      const read = (itemId: string, user: User) =>
        node.units.write((context) => node.lists.itemForWrite(itemId, user.id, context));
      const byAnn = await read(item.id, ann);
      expect(byAnn).toMatchObject({
        state: { listId: list.id, version: 1, position: 'a0', deleted: false },
        list: { deleted: false, member: true },
      });
      expect(await node.units.write((context) => node.lists.asItem(byAnn!.state.stored, context.sql))).toEqual(item);
      expect(await read(item.id, bob)).toMatchObject({ list: { deleted: false, member: false } });
      expect(await read(timeOrderedId(), ann)).toBeNull();
      // Asked together in one transaction: one statement answers each asker apart.
      const together = await node.units.write((context) =>
        Promise.all([
          node.lists.itemForWrite(item.id, bob.id, context),
          node.lists.itemForWrite(item.id, ann.id, context),
          node.lists.itemForWrite(timeOrderedId(), ann.id, context),
        ]),
      );
      expect(together.map((found) => found?.list.member ?? null)).toEqual([false, true, null]);
      await node.units.write((context) => node.spaces.markDeleted(SpaceKinds.list, context, list.id));
      expect(await read(item.id, ann)).toMatchObject({ list: { deleted: true, member: true } });
    });

    it('reads a list with its seq, its live items in order and whether the user is a member, in one read', async () => {
      const { list, item } = await listWithItem('camping', 'tent');
      const second = await node.units.write((context) =>
        node.lists.createItem(context, { listId: list.id, text: 'stove', user: ann }),
      );
      const gone = await node.units.write((context) =>
        node.lists.createItem(context, { listId: list.id, text: 'rope', user: ann }),
      );
      await node.units.write(async (context) =>
        node.lists.writeItemIfCurrent(context, {
          state: (await node.lists.itemState(gone.id, context.sql))!,
          changes: { deleted: true },
          user: ann,
          event: ListsBroadcast.ItemDeleted,
        }),
      );
      const record = await node.spaces.find(SpaceKinds.list, list.id);
      expect(await node.lists.listWithItems(list.id, ann.id)).toEqual({
        record,
        member: true,
        seq: 4,
        items: [item, second],
      });
      expect(await node.lists.listWithItems(list.id, bob.id)).toMatchObject({ member: false, seq: 4 });
      // At the same seq the statement leaves the items out: those of the read before are kept.
      expect(await node.lists.listWithItems(list.id, ann.id)).toEqual({
        record,
        member: true,
        seq: 4,
        items: [item, second],
      });
      const third = await node.units.write((context) =>
        node.lists.createItem(context, { listId: list.id, text: 'lamp', user: ann }),
      );
      expect(await node.lists.listWithItems(list.id, bob.id)).toMatchObject({
        member: false,
        seq: 5,
        items: [item, second, third],
      });
      const empty = await publicSpace(SpaceKinds.list, 'empty');
      expect(await node.lists.listWithItems(empty.id, ann.id)).toEqual({
        record: await node.spaces.find(SpaceKinds.list, empty.id),
        member: true,
        seq: 0,
        items: [],
      });
      expect(await node.lists.listWithItems(timeOrderedId(), ann.id)).toBeNull();
    });

    it('reads items as their transaction sees them, the works that ask together in one statement', async () => {
      const { list, item } = await listWithItem('garden', 'seeds');
      const other = await node.units.write((context) =>
        node.lists.createItem(context, { listId: list.id, text: 'soil', user: ann }),
      );
      const found = await node.units.write(async (context) => {
        await node.lists.writeItemIfCurrent(context, {
          state: (await node.lists.itemState(item.id, context.sql))!,
          changes: { done: true },
          user: bob,
          event: ListsBroadcast.ItemUpdated,
        });
        return Promise.all([
          node.lists.currentItem(item.id, context),
          node.lists.currentItem(timeOrderedId(), context),
          node.lists.currentItem(other.id, context),
          node.lists.currentItem(item.id, context),
        ]);
      });
      const written = await node.lists.findItem(item.id);
      expect(written).toMatchObject({ version: 2, done: true, updatedBy: bob });
      expect(found).toEqual([written, null, other, written]);
    });

    it('refuses a second write of an item at the version another write of its transaction took, with its row', async () => {
      const { item } = await listWithItem('market', 'apples');
      const write = (context: UnitOfWork, state: ItemState, text: string, user: User) =>
        node.lists.writeItemIfCurrent(context, { state, changes: { text }, user, event: ListsBroadcast.ItemUpdated });
      const raced = await node.units.write(async (context) => {
        const state = (await node.lists.itemState(item.id, context.sql))!;
        const [first, second] = await Promise.all([
          write(context, state, 'pears', bob),
          write(context, state, 'figs', ann),
        ]);
        return { first, second, current: await node.lists.currentItem(item.id, context) };
      });
      expect(raced.first).toMatchObject({ version: 2, text: 'pears', updatedBy: bob });
      expect(raced.second).toBeNull();
      expect(raced.current).toEqual(raced.first);
      expect(await node.lists.findItem(item.id)).toEqual(raced.first);
      // The first write of the transaction found the item moved on: the second cannot match either,
      // the item is read as it is, and a write at the current version still goes through.
      const stale = (await node.lists.itemState(item.id))!;
      await node.units.write(async (context) =>
        write(context, (await node.lists.itemState(item.id, context.sql))!, 'plums', bob),
      );
      const late = await node.units.write(async (context) => {
        const refused = await Promise.all([write(context, stale, 'kiwis', ann), write(context, stale, 'limes', ann)]);
        const current = await node.lists.currentItem(item.id, context);
        const accepted = await write(context, (await node.lists.itemState(item.id, context.sql))!, 'dates', ann);
        return { refused, current, accepted };
      });
      expect(late.refused).toEqual([null, null]);
      expect(late.current).toMatchObject({ version: 3, text: 'plums', updatedBy: bob });
      expect(late.accepted).toMatchObject({ version: 4, text: 'dates', updatedBy: ann });
    });

    it('logs a rename and a delete of a list', async () => {
      const list = await node.units.write((context) =>
        node.spaces.create(SpaceKinds.list, context, {
          name: 'todo',
          visibility: 'private',
          inviteCode: 'code',
          ownerId: ann.id,
        }),
      );
      const renamed = await node.units.write(async (context) =>
        node.lists.appendListUpdated(context, await node.spaces.rename(SpaceKinds.list, context, list, 'chores')),
      );
      expect(renamed).toMatchObject({ title: 'chores', seq: 1, inviteCode: 'code' });
      await node.units.write((context) => node.lists.appendListDeleted(context, list.id));
      expect((await node.spaces.changesSince(SpaceKinds.list, list.id, 0, 10)).map((change) => change.event)).toEqual([
        ListsBroadcast.ListUpdated,
        ListsBroadcast.ListDeleted,
      ]);
    });
  });
}
