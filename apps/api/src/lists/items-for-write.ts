import type { GatheredRead } from '../db/database.service.js';
import type { Sql } from '../db/sql.js';
import { itemStateOf, type ItemForWrite } from './list-records.js';
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
