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

export const liveOrder = prepare((db, list: { id: string }) =>
  db.selectFrom('Item').select(['id', 'position']).where('listId', '=', list.id).where('deletedAt', 'is', null),
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
