import type { GatheredRead, UnitOfWork } from '../db/database.service.js';
import { prepareList, type Sql } from '../db/sql.js';
import { itemStateOf, type ItemForWrite, type ItemRow } from './list-records.js';
import { findItemsForMembers } from './lists.queries.js';

type ItemKey = { itemId: string; userId: string };

/** The items that versioned writes start from, with their lists' state for each writer: one statement per turn. */
export const itemsForWrite: GatheredRead<ItemKey, ItemForWrite | null> = {
  async run(keys: ItemKey[], sql: Sql) {
    const count = keys.length;
    const values = new Array<string>(3 * count);
    for (let index = 0; index < count; index++) {
      const { itemId, userId } = keys[index]!;
      values[index] = itemId;
      values[count + index] = userId;
      values[2 * count + index] = itemId;
    }
    const rows = new Map((await sql.all(findItemsForMembers(count, values))).map((row) => [row.id, row]));
    // The asking members are looked up per list: every item of a list carries the same ids, read once per list.
    const members = new Map<string, Set<string>>();
    return keys.map((key) => {
      const found = rows.get(key.itemId);
      if (!found) return null;
      const { listDeletedAt, memberIds, ...stored } = found;
      let ids = members.get(stored.listId);
      if (!ids) members.set(stored.listId, (ids = new Set(JSON.parse(memberIds ?? '[]') as string[])));
      return { state: itemStateOf(stored), list: { deleted: listDeletedAt !== null, member: ids.has(key.userId) } };
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

/** Per item, the version the transaction's latest write of it expected and the row it left (null: none). */
type ItemWrites = Map<string, { version: number; row: Promise<ItemRow | null> }>;
const itemWrites = (): ItemWrites => new Map();

/**
 * Claims the item's write at the version it was read at, for the works of the transaction (see
 * `UnitOfWork.shared`); null if one of them claimed that version first: whether its write
 * matched or not, the item is no longer at that version (every write bumps it), so this write
 * cannot match either and needs no statement. Else `settle`, told the row the write left.
 */
export function claimItem(context: UnitOfWork, stored: ItemRow): ((row: ItemRow | null) => void) | null {
  const writes = context.shared(itemWrites);
  if (writes.get(stored.id)?.version === stored.version) return null;
  let settle!: (row: ItemRow | null) => void;
  writes.set(stored.id, { version: stored.version, row: new Promise((resolve) => (settle = resolve)) });
  return settle;
}

/** The item as the transaction's latest write of it left it, if that write matched: it is so until the commit. */
export async function writtenItem(context: UnitOfWork, itemId: string): Promise<ItemRow | null> {
  return (await context.shared(itemWrites).get(itemId)?.row) ?? null;
}
