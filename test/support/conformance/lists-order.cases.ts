import { expect, it } from '@jest/globals';
import { ListsBroadcast, keyBetween, type User } from '@tandem/contract';
import { SpaceKinds } from '../../../apps/api/src/space-kinds.js';
import type { KeySide } from '../../../apps/api/src/lists/lists.queries.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';
import { publicSpace, twoUsers } from './two-users.js';

/** The next key on one side of `position` among `keys`, in byte order (what `nearestKey` must answer). */
function expected(keys: string[], side: KeySide, position: string | null): string | null {
  const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const beyond = (key: string) =>
    position === null || (side === 'after' ? key > position : side === 'from' ? key >= position : key < position);
  return (side === 'before' ? sorted.findLast(beyond) : sorted.find(beyond)) ?? null;
}

/**
 * Where an item goes in a list, on every database: keys in byte order, whatever the database's
 * own order of text (`textOrder`: how it compares text by default; a locale's collation puts
 * "a0" before "Zz", bytes put every upper-case letter first).
 */
export function listsOrderCases(open: () => Promise<DataLayerDatabase>, textOrder: 'bytes' | 'locale'): void {
  let node: DataLayerNode;
  let ann: User;
  twoUsers(open, (world) => ({ node, ann } = world));

  /** A list holding an item at each key, those of `deleted` deleted; each item's id by its key. */
  async function listWith(keys: string[], deleted: string[] = []) {
    const list = await publicSpace(node, SpaceKinds.list, 'keys', ann);
    const ids = new Map<string, string>();
    await node.units.write(async (context) => {
      for (const position of [...keys, ...deleted]) {
        const item = await node.lists.createItem(context, { listId: list.id, text: position, user: ann });
        ids.set(position, item.id);
      }
    });
    // Each item then moved to its key (and deleted, for those of `deleted`).
    await node.units.write(async (context) => {
      for (const position of [...keys, ...deleted]) {
        const state = (await node.lists.itemState(ids.get(position)!, context.sql))!;
        const changes = deleted.includes(position) ? { position, deleted: true } : { position };
        const event = ListsBroadcast.ItemUpdated;
        await node.lists.writeItemIfCurrent(context, { state, changes, user: ann, event });
      }
    });
    const near = (side: KeySide, position: string | null, except = '') =>
      node.lists.nearestKey(list.id, side, position, except, node.database.reader);
    return { list, ids, near };
  }

  it(`is run on a database that compares text in ${textOrder} order by default`, async () => {
    const reader = node.database.reader;
    const row = await reader.first(reader.db.selectNoFrom((eb) => eb(eb.val('Zz'), '<', eb.val('a0')).as('below')));
    expect(Boolean(row?.below)).toBe(textOrder === 'bytes');
  });

  // Mixed case on purpose: byte order puts every upper-case key before every lower-case one.
  it.each<[side: KeySide, position: string | null, ignored: string, next: string | null]>([
    ['after', null, '', 'A0000000000000000000000000V'],
    ['after', 'Zz', '', 'a0V'],
    ['after', 'Zz', 'a0V', 'a1'],
    ['after', 'a1', '', null],
    ['from', 'Zz', '', 'Zz'],
    ['from', 'Zz', 'Zz', 'a0V'],
    ['from', 'a0', '', 'a0V'],
    ['before', null, '', 'a1'],
    ['before', 'a0V', '', 'Zz'],
    ['before', 'a0V', 'Zz', 'A0000000000000000000000000V'],
    ['before', 'A0000000000000000000000000V', '', null],
  ])('finds the live key %s %p, ignoring the item at %p: %p', async (side, position, ignored, next) => {
    const { ids, near } = await listWith(['a1', 'Zz', 'a0V', 'A0000000000000000000000000V'], ['a0W', 'B0']);
    expect(await near(side, position, ignored ? ids.get(ignored) : '')).toBe(next);
  });

  it('places items in a long list of mixed-case keys by byte order, and reads the list in that order', async () => {
    // Keys as items appended and prepended get them: "a0" … "az", "b00" … above; "Zz" … "Y…" below.
    const keys = ['a0'];
    for (let index = 0; index < 150; index++) keys.push(keyBetween(keys.at(-1)!, null));
    for (let index = 0; index < 150; index++) keys.unshift(keyBetween(null, keys[0]));
    const deleted = keys.filter((_, index) => index % 10 === 3);
    const live = keys.filter((key) => !deleted.includes(key));
    const { list, ids, near } = await listWith(live, deleted);
    expect(await near('before', null)).toBe(live.at(-1));
    expect(await near('after', null)).toBe(live[0]);
    const probes = [...keys.filter((_, index) => index % 7 === 0), ...deleted, 'Z', 'Zzz', 'a', 'a0V', 'b', 'zz'];
    for (const side of ['after', 'from', 'before'] as const) {
      for (const position of probes)
        expect([side, position, await near(side, position)]).toEqual([side, position, expected(live, side, position)]);
    }
    // A move's neighbour read with the key next to it, in byte order too.
    for (const key of [...live.filter((_, index) => index % 11 === 0), live.at(-1)!]) {
      for (const side of ['after', 'before'] as const) {
        const found = await node.lists.neighbourOf(ids.get(key)!, '', side, node.database.reader);
        expect([side, key, found?.next]).toEqual([side, key, expected(live, side, key)]);
      }
    }
    const middle = live[151];
    expect(await near('after', live[150], ids.get(middle))).toBe(live[152]);
    expect(await near('before', live[152], ids.get(middle))).toBe(live[150]);
    expect((await node.lists.liveItems(list.id)).map((item) => item.position)).toEqual(live);
  });
}
