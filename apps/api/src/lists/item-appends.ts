import { keyBetween } from '@tandem/contract';
import type { GatheredRead } from '../db/database.service.js';
import { prepareRows, type Sql } from '../db/sql.js';
import type { ItemRow } from './list-records.js';
import { nearestKey } from './lists.queries.js';

const itemColumns = [
  'id',
  'listId',
  'text',
  'done',
  'position',
  'version',
  'createdById',
  'updatedById',
  'createdAt',
  'updatedAt',
  'deletedAt',
] as const satisfies (keyof ItemRow)[];

const insertItems = prepareRows('Item', itemColumns);

/** The appends of a transaction still being placed: a later one waits, so that it reads their keys. */
const placing = new WeakMap<Sql, Promise<unknown>>();

/**
 * New items, each placed after the last live item of its list, and stored: the works of a
 * transaction that start together read each list's last key once, take successive keys after it
 * in their order, and insert their rows in one statement. Returns each item's key.
 */
export const appendItems: GatheredRead<Omit<ItemRow, 'position'>, string> = {
  writes: true,
  run(items, sql) {
    const placed = (placing.get(sql) ?? Promise.resolve()).then(() => place(items, sql));
    placing.set(
      sql,
      placed.catch(() => undefined),
    );
    return placed;
  },
};

async function place(items: Omit<ItemRow, 'position'>[], sql: Sql): Promise<string[]> {
  const last = new Map<string, string | null>();
  const rows: ItemRow[] = [];
  for (const item of items) {
    let after = last.get(item.listId);
    if (after === undefined) {
      const found = await sql.first(
        nearestKey({ side: 'before', bounded: false }, { listId: item.listId, position: null, except: '' }),
      );
      after = found?.position ?? null;
    }
    const position = keyBetween(after, null);
    last.set(item.listId, position);
    rows.push({ ...item, position });
  }
  await sql.run(insertItems(rows));
  return rows.map((row) => row.position);
}
