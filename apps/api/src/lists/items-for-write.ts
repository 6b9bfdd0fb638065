import type { GatheredRead } from '../db/database.service.js';
import { prepareList, type Sql } from '../db/sql.js';
import { itemStateOf, type ItemForWrite, type ItemRow } from './list-records.js';
import { findItemsForMembers } from './lists.queries.js';

type ItemKey = { itemId: string; userId: string };

/** The items that versioned writes start from, with their lists' state for each writer: one statement per turn. */
export const itemsForWrite: GatheredRead<ItemKey, ItemForWrite | null> = {
  async run(keys: ItemKey[], sql: Sql) {
    const values: Record<string, string> = {};
    keys.forEach((key, index) => {
      values[`id${index}`] = key.itemId;
      values[`userId${index}`] = key.userId;
    });
    const rows = await sql.all(findItemsForMembers(keys.length, values));
    return keys.map((key) => {
      const found = rows.filter((row) => row.id === key.itemId);
      if (found.length === 0) return null;
      const { listDeletedAt, memberId: _memberId, ...stored } = found[0]!;
      return {
        state: itemStateOf(stored),
        list: { deleted: listDeletedAt !== null, member: found.some((row) => row.memberId === key.userId) },
      };
    });
  },
};

const findItems = prepareList(
  (count: number) => String(count),
  (db, ids: readonly unknown[], count) =>
    db
      .selectFrom('Item')
      .selectAll()
      .where(
        'id',
        'in',
        Array.from({ length: count }, (_, index) => ids[index] as string),
      ),
);

/**
 * Items as their transaction sees them now, for the writes that found them moved on (another
 * write of the batch got there first): the works that ask in one turn read theirs in one statement.
 */
export const currentItems: GatheredRead<string, ItemRow | null> = {
  async run(ids: string[], sql: Sql) {
    const rows = await sql.all(findItems(ids.length, ids));
    return ids.map((id) => rows.find((row) => row.id === id) ?? null);
  },
};
