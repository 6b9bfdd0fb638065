import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ListsBroadcast, ListsCommand, type ItemChanged, type ItemConflictDetails } from '@tandem/contract';
import { eventually, nextEvent, settle } from './support/clients.js';
import { caughtUp, createItem, heardBy, join, listsSuite, move, okData, update, versioned } from './support/lists.js';
import { essentials, ListCopy } from './support/list-copy.js';

describe('lists', () => {
  const { sharedList, storedItems, storedLiveItems, writeState } = listsSuite();

  // ---- optimistic concurrency -----------------------------------------------------------------

  describe('optimistic concurrency', () => {
    it('lets exactly one of two racing writers win; the loser gets CONFLICT with the stored item', async () => {
      const { ann, bob, list, annSession, bobSession } = await sharedList();
      const annCopy = new ListCopy(await join(ann, list.id)).follow(ann);
      const bobCopy = new ListCopy(await join(bob, list.id)).follow(bob);
      for (let round = 0; round < 10; round++) {
        const item = await createItem(ann, list.id, `race ${round}`);
        const [annAck, bobAck] = await Promise.all([
          update(ann, item, { text: `ann wins ${round}` }),
          update(bob, item, { text: `bob wins ${round}`, done: true }),
        ]);
        expect([annAck.ok, bobAck.ok].filter(Boolean)).toHaveLength(1);
        const [winner, loser] = annAck.ok ? [annAck, bobAck] : [bobAck, annAck];
        if (!winner.ok || loser.ok) throw new Error('unreachable');
        expect(loser.error.code).toBe('CONFLICT');
        const { current } = loser.error.details as ItemConflictDetails;
        expect(current).toEqual(winner.data.item);
        expect(current.version).toBe(2);
        expect(current.updatedBy).toEqual(annAck.ok ? annSession.user : bobSession.user);
        expect(loser.error.message).toContain(current.updatedBy.name);
      }
      await eventually(() => annCopy.seq === 20 && bobCopy.seq === 20, 'both copies at seq 20');
      const fresh = await join(bob, list.id);
      expect(annCopy.ordered()).toEqual(fresh.items);
      expect(bobCopy.ordered()).toEqual(fresh.items);
      expect(storedLiveItems(list.id)).toEqual(essentials(fresh.items));
      expect(storedItems(list.id).every((row) => row.version === 2)).toBe(true);
    });

    it('refuses a stale update, delete or move with CONFLICT, writing and broadcasting nothing', async () => {
      const { ann, bob, items } = await sharedList(['milk', 'eggs']);
      const { item: current } = okData(await update(ann, items[0], { done: true }));
      await caughtUp(bob);
      const heard = heardBy(bob);
      const before = writeState();
      const stale = items[0];
      const acks = await Promise.all([
        update(bob, stale, { text: 'stale' }),
        versioned(bob, ListsCommand.ItemDelete, stale),
        move(bob, stale, { afterId: items[1].id }),
        update(bob, { id: stale.id, version: 7 }, { done: false }),
      ]);
      for (const ack of acks) {
        expect(ack).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { current } } });
      }
      await settle();
      expect(heard).toEqual([]);
      expect(writeState()).toEqual(before);
    });

    it('deletes with the current version; the deleted item then conflicts and leaves the snapshot', async () => {
      const { ann, bob, list, items } = await sharedList(['milk', 'eggs']);
      const toBob = nextEvent<ItemChanged>(bob, ListsBroadcast.ItemDeleted);
      const { item: deleted } = okData(await versioned(ann, ListsCommand.ItemDelete, items[0]));
      expect(deleted).toMatchObject({ id: items[0].id, version: 2, deletedAt: expect.any(String), text: 'milk' });
      expect(await toBob).toEqual({ listId: list.id, seq: 3, item: deleted });
      expect((await join(bob, list.id)).items.map((item) => item.id)).toEqual([items[1].id]);

      const heard = heardBy(ann);
      const before = writeState();
      for (const ack of [
        await update(bob, deleted, { done: true }),
        await versioned(bob, ListsCommand.ItemDelete, deleted),
      ]) {
        expect(ack).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { current: deleted } } });
        if (!ack.ok) expect(ack.error.message).toContain('deleted');
      }
      expect(await update(bob, { id: randomUUID(), version: 1 }, { done: true })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
      await settle();
      expect(heard).toEqual([]);
      expect(writeState()).toEqual(before);
    });
  });
});
