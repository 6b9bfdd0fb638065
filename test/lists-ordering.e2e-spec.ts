import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ListsBroadcast, ListsCommand, type ItemChanged } from '@tandem/contract';
import { eventually, nextEvent, settle } from './support/clients.js';
import {
  caughtUp,
  createItem,
  createList,
  heardBy,
  join,
  listsSuite,
  move,
  okData,
  versioned,
} from './support/lists.js';
import { essentials, ListCopy } from './support/list-copy.js';

describe('lists', () => {
  const { sharedList, storedItems, storedLiveItems, writeState } = listsSuite();

  // ---- ordering -------------------------------------------------------------------------------

  describe('ordering', () => {
    it('moves an item between two neighbours by writing one key; no other item changes', async () => {
      const { ann, bob, list, items } = await sharedList(['a', 'b', 'c', 'd', 'e']);
      const [a, b, , , e] = items;
      const before = storedItems(list.id).filter((row) => row.id !== e.id);
      const toBob = nextEvent<ItemChanged>(bob, ListsBroadcast.ItemMoved);
      const { item: moved } = okData(await move(ann, e, { afterId: a.id, beforeId: b.id }));
      expect(moved).toMatchObject({ id: e.id, version: 2 });
      expect(a.position < moved.position && moved.position < b.position).toBe(true);
      expect(await toBob).toEqual({ listId: list.id, seq: 6, item: moved });
      expect(storedItems(list.id).filter((row) => row.id !== e.id)).toEqual(before);
      expect((await join(bob, list.id)).items.map((item) => item.text)).toEqual(['a', 'e', 'b', 'c', 'd']);
    });

    it('appends concurrent creates after the last live item, each with a key of its own', async () => {
      const { ann, bob, list, items } = await sharedList(['a', 'b', 'c']);
      const texts = Array.from({ length: 12 }, (_, i) => `new ${i}`);
      const created = await Promise.all(texts.map((text, i) => createItem(i % 2 ? bob : ann, list.id, text)));
      const keys = created.map((item) => item.position);
      expect(new Set(keys).size).toBe(texts.length);
      expect(keys.every((key) => key > items[2].position)).toBe(true);
      expect(created.every((item) => item.version === 1)).toBe(true);
      const stored = storedLiveItems(list.id);
      expect(stored.map((row) => row.position)).toEqual([...items.map((item) => item.position), ...[...keys].sort()]);
      const inOrder = [...created].sort((x, y) => (x.position < y.position ? -1 : 1)).map((item) => item.text);
      expect((await join(bob, list.id)).items.map((item) => item.text)).toEqual(['a', 'b', 'c', ...inOrder]);
    });

    it('moves to the start and to the end', async () => {
      const { ann, list, items } = await sharedList(['a', 'b', 'c']);
      okData(await move(ann, items[2], { afterId: null }));
      okData(await move(ann, items[0], { beforeId: null }));
      const { item: b } = okData(await move(ann, items[1], { beforeId: items[2].id }));
      expect(b.version).toBe(2);
      expect((await join(ann, list.id)).items.map((item) => item.text)).toEqual(['b', 'c', 'a']);
    });

    it('gives concurrent moves into one gap distinct keys, the same order everywhere', async () => {
      const texts = Array.from({ length: 12 }, (_, i) => `item ${i}`);
      const { ann, bob, list, items } = await sharedList(texts);
      const annCopy = new ListCopy(await join(ann, list.id)).follow(ann);
      const bobCopy = new ListCopy(await join(bob, list.id)).follow(bob);
      const [first, second, ...rest] = items;
      const untouched = new Map(storedItems(list.id).map((row) => [row.id, row.position]));

      // Ten items dropped between the same two neighbours at once, from two clients.
      const movers = rest.slice(0, 10);
      const acks = await Promise.all(
        movers.map((item, i) => move(i % 2 ? bob : ann, item, { afterId: first.id, beforeId: second.id })),
      );
      const moved = acks.map((ack) => okData(ack).item);
      const keys = moved.map((item) => item.position);
      expect(new Set(keys).size).toBe(keys.length);
      for (const key of keys) expect(first.position < key && key < second.position).toBe(true);
      for (const row of storedItems(list.id)) {
        if (!movers.some((item) => item.id === row.id)) expect(row.position).toBe(untouched.get(row.id));
      }

      // The same item moved by both at once: one wins.
      const [x, y] = await Promise.all([
        move(ann, moved[0], { beforeId: null }),
        move(bob, moved[0], { afterId: null }),
      ]);
      expect([x.ok, y.ok].filter(Boolean)).toHaveLength(1);
      expect(x.ok ? y : x).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });

      const fresh = await join(ann, list.id);
      await eventually(() => annCopy.seq === fresh.seq && bobCopy.seq === fresh.seq, 'copies caught up');
      expect(annCopy.ordered()).toEqual(fresh.items);
      expect(bobCopy.ordered()).toEqual(fresh.items);
      expect(storedLiveItems(list.id)).toEqual(essentials(fresh.items));
      expect(new Set(fresh.items.map((item) => item.position)).size).toBe(fresh.items.length);
    });

    it('refuses a move next to a deleted item (CONFLICT) or an item of another list (NOT_FOUND)', async () => {
      const { ann, bob, items } = await sharedList(['a', 'b', 'c']);
      const other = await createList(ann);
      await join(ann, other.id);
      const foreign = await createItem(ann, other.id, 'elsewhere');
      okData(await versioned(ann, ListsCommand.ItemDelete, items[1]));
      await caughtUp(bob);
      const heard = heardBy(bob);
      const before = writeState();
      expect(await move(bob, items[0], { afterId: items[1].id })).toMatchObject({
        ok: false,
        error: { code: 'CONFLICT', details: { current: items[0] } },
      });
      expect(await move(bob, items[0], { afterId: foreign.id })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
      expect(await move(bob, items[0], { beforeId: randomUUID() })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
      await settle();
      expect(heard).toEqual([]);
      expect(writeState()).toEqual(before);
    });
  });
});
