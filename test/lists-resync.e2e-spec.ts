import { describe, expect, it } from '@jest/globals';
import { Limits, ListsBroadcast, ListsCommand, type Item, type ListResync } from '@tandem/contract';
import { commandOk, connect, listsClient, socketFor, type ListsClient } from './support/clients.js';
import { createItem, createList, join, listsSuite, move, okData, update, versioned } from './support/lists.js';
import { essentials, ListCopy } from './support/list-copy.js';

describe('lists', () => {
  const { server, sharedList, storedLiveItems } = listsSuite();

  // ---- resync ---------------------------------------------------------------------------------

  describe('resync', () => {
    it('replays exactly the 30 missed changes (creates, updates, deletes) and converges', async () => {
      const { ann, bob, list, bobSession } = await sharedList(['keep 1', 'keep 2', 'keep 3']);
      const bobCopy = new ListCopy(await join(bob, list.id));
      bob.disconnect();

      const created: Item[] = [];
      for (let i = 0; i < 12; i++) created.push(await createItem(ann, list.id, `new ${i}`));
      const latest = new Map(created.map((item) => [item.id, item]));
      for (let i = 0; i < 10; i++) {
        const item = latest.get(created[i].id) as Item;
        latest.set(item.id, okData(await update(ann, item, { text: `edited ${i}`, done: i % 2 === 0 })).item);
      }
      for (let i = 0; i < 6; i++) {
        okData(await versioned(ann, ListsCommand.ItemDelete, latest.get(created[i].id) as Item));
      }
      okData(await move(ann, latest.get(created[11].id) as Item, { afterId: null }));
      okData(await update(ann, latest.get(created[10].id) as Item, { done: true }));

      const bobAgain = await connect(socketFor<ListsClient>(server.url, '/lists', bobSession.token));
      const resync = await commandOk<ListResync>(bobAgain, ListsCommand.ListJoin, {
        listId: list.id,
        sinceSeq: bobCopy.seq,
      });
      if (!('changes' in resync)) throw new Error('expected changes, got a snapshot');
      expect(resync.seq).toBe(bobCopy.seq + 30);
      expect(resync.changes.map((change) => change.seq)).toEqual(
        Array.from({ length: 30 }, (_, i) => bobCopy.seq + 1 + i),
      );
      const events = resync.changes.map((change) => change.event);
      expect(events.filter((event) => event === ListsBroadcast.ItemCreated)).toHaveLength(12);
      expect(events.filter((event) => event === ListsBroadcast.ItemUpdated)).toHaveLength(11);
      expect(events.filter((event) => event === ListsBroadcast.ItemDeleted)).toHaveLength(6);
      expect(events.filter((event) => event === ListsBroadcast.ItemMoved)).toHaveLength(1);

      bobCopy.applyAll(resync.changes);
      const fresh = await join(bobAgain, list.id);
      expect(bobCopy.seq).toBe(fresh.seq);
      expect(bobCopy.ordered()).toEqual(fresh.items);
      expect(storedLiveItems(list.id)).toEqual(essentials(fresh.items));
      expect(fresh.items.map((item) => item.text)).toEqual([
        'new 11',
        'keep 1',
        'keep 2',
        'keep 3',
        'edited 6',
        'edited 7',
        'edited 8',
        'edited 9',
        'new 10',
      ]);

      const upToDate = await commandOk<ListResync>(bobAgain, ListsCommand.ListJoin, {
        listId: list.id,
        sinceSeq: fresh.seq,
      });
      expect(upToDate).toMatchObject({ seq: fresh.seq, changes: [] });
    });

    it('answers a snapshot when the gap is beyond what is replayed, or ahead of the list', async () => {
      const { socket: ann } = await listsClient(server.url, 'ann');
      const list = await createList(ann);
      await join(ann, list.id);
      const total = Limits.resyncMaxChanges + 2;
      for (let i = 0; i < total; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, total - i) }, (_, k) => createItem(ann, list.id, `bulk ${i + k}`)),
        );
      }
      const resync = await commandOk<ListResync>(ann, ListsCommand.ListJoin, { listId: list.id, sinceSeq: 1 });
      expect(resync).toMatchObject({ seq: total, snapshot: true });
      if (!('snapshot' in resync)) throw new Error('expected a snapshot');
      expect(resync.items).toHaveLength(total);
      expect(essentials(resync.items)).toEqual(storedLiveItems(list.id));

      const ahead = await commandOk<ListResync>(ann, ListsCommand.ListJoin, { listId: list.id, sinceSeq: total + 10 });
      expect(ahead).toMatchObject({ snapshot: true, seq: total });
    });
  });
});
