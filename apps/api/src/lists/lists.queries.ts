import { prepare, prepareShapes } from '../db/sql.js';

// The lists' queries on their hot paths, built and compiled once (see `prepare`).

export const findItem = prepare((db, item: { id: string }) =>
  db.selectFrom('Item').selectAll().where('id', '=', item.id),
);

/**
 * An item with what a write's rules check before anything else: whether its list is deleted and
 * whether the user is a member of it (the member check of `spaces/member-checks.ts`, read with the
 * item instead of apart: one statement for both).
 */
export const findItemForMember = prepare((db, key: { id: string; userId: string }) =>
  db
    .selectFrom('Item')
    .innerJoin('List', 'List.id', 'Item.listId')
    .leftJoin('ListMember', (join) =>
      join.onRef('ListMember.listId', '=', 'Item.listId').on('ListMember.userId', '=', key.userId),
    )
    .selectAll('Item')
    .select(['List.deletedAt as listDeletedAt', 'ListMember.userId as memberId'])
    .where('Item.id', '=', key.id),
);

/**
 * Where a key lies among a list's live keys: the lowest above it (`after`), at or above it
 * (`from`), or the highest below it (`before`).
 */
export type KeySide = 'after' | 'from' | 'before';

/**
 * The live key of a list nearest to `position` on one `side` (without a position: the first key,
 * or the last for `before`), leaving out the item `except`: one step of the `(listId, position)`
 * index, however long the list. Keys compare in byte order on every database (`Item.position`).
 */
export const nearestKey = prepareShapes(
  (shape: { side: KeySide; bounded: boolean }) => `${shape.side}${+shape.bounded}`,
  (db, key: { listId: string; position: string | null; except: string }, { side, bounded }) => {
    const query = db
      .selectFrom('Item')
      .select('position')
      .where('listId', '=', key.listId)
      .where('deletedAt', 'is', null)
      .where('id', '!=', key.except);
    const operator = side === 'after' ? '>' : side === 'from' ? '>=' : '<';
    return (bounded ? query.where('position', operator, key.position!) : query)
      .orderBy('position', side === 'before' ? 'desc' : 'asc')
      .limit(1);
  },
);

/** Which columns an item write sets, and whether the item it expects is deleted. */
export interface ItemWriteShape {
  text: boolean;
  done: boolean;
  position: boolean;
  deletedAt: boolean;
  deleted: boolean;
}

/** The write only happens if the item is still at `version` and in the expected deleted state; it bumps the version. */
export const updateItemAtVersion = prepareShapes(
  (shape: ItemWriteShape) => `${+shape.text}${+shape.done}${+shape.position}${+shape.deletedAt}${+shape.deleted}`,
  (
    db,
    item: {
      id: string;
      version: number;
      text: string;
      done: number;
      position: string;
      deletedAt: string | null;
      updatedById: string;
      updatedAt: string;
    },
    shape,
  ) =>
    db
      .updateTable('Item')
      .set((eb) => ({
        ...(shape.text ? { text: item.text } : {}),
        ...(shape.done ? { done: item.done } : {}),
        ...(shape.position ? { position: item.position } : {}),
        ...(shape.deletedAt ? { deletedAt: item.deletedAt } : {}),
        updatedById: item.updatedById,
        updatedAt: item.updatedAt,
        version: eb('version', '+', 1),
      }))
      .where('id', '=', item.id)
      .where('version', '=', item.version)
      .where('deletedAt', shape.deleted ? 'is not' : 'is', null),
);
