import { sql as raw } from 'kysely';
import { dialectOf } from '../db/dialect.js';
import { prepare, prepareList, prepareShapes } from '../db/sql.js';

// The lists' queries on their hot paths, built and compiled once (see `prepare`).

export const findItem = prepare((db, item: { id: string }) =>
  db.selectFrom('Item').selectAll().where('id', '=', item.id),
);

/**
 * `count` items with what a write's rules check before anything else: whether each one's list is
 * deleted, and which of the users are members of it (the member check of
 * `spaces/member-checks.ts`, read with the item instead of apart; `memberIds`: their ids as a JSON
 * array). Its values are one array (see `prepareList`): the items' ids, the `count` users' ids,
 * then the items' ids again. One row per item, however many of the users ask about it; the
 * members are looked up once per list of the items (`count` lookups), not once per item.
 */
export const findItemsForMembers = prepareList(
  (count: number) => String(count),
  (db, values, count) => {
    const indexes = Array.from({ length: count }, (_, index) => index);
    const ids = (from: number) => indexes.map((index) => values[from + index] as string);
    return db
      .selectFrom('Item')
      .innerJoin('List', 'List.id', 'Item.listId')
      .leftJoin(
        (eb) =>
          eb
            .selectFrom('ListMember')
            .select([
              'ListMember.listId',
              dialectOf(db).jsonArrayOf(raw.ref('ListMember.userId'), raw.ref('ListMember.userId')).as('ids'),
            ])
            .where(
              'ListMember.listId',
              'in',
              eb.selectFrom('Item as Asked').select('Asked.listId').where('Asked.id', 'in', ids(0)),
            )
            .where('ListMember.userId', 'in', ids(count))
            .groupBy('ListMember.listId')
            .as('Members'),
        (join) => join.onRef('Members.listId', '=', 'Item.listId'),
      )
      .selectAll('Item')
      .select(['List.deletedAt as listDeletedAt', 'Members.ids as memberIds'])
      .where('Item.id', 'in', ids(2 * count));
  },
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

/**
 * A move's neighbour and the live key next to it on the side the moved item goes (`after`: the
 * lowest above it; `before`: the highest below it), leaving out the moved item: one statement.
 */
export const neighbourWithNextKey = prepareShapes(
  (side: 'after' | 'before') => side,
  (db, key: { neighbourId: string; itemId: string }, side) =>
    db
      .selectFrom('Item as neighbour')
      .selectAll('neighbour')
      .select((eb) =>
        eb
          .selectFrom('Item')
          .select('Item.position')
          .whereRef('Item.listId', '=', 'neighbour.listId')
          .where('Item.deletedAt', 'is', null)
          .where('Item.id', '!=', key.itemId)
          .whereRef('Item.position', side === 'after' ? '>' : '<', 'neighbour.position')
          .orderBy('Item.position', side === 'after' ? 'asc' : 'desc')
          .limit(1)
          .as('next'),
      )
      .where('neighbour.id', '=', key.neighbourId),
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

/**
 * What the HTTP mirror and a join answer, in one statement (one committed moment on either
 * database): the list, whether the user is a member of it, its stream's seq, and its live items,
 * one row per item (one row with no item for an empty list; none for no list). The items come
 * only when the seq is not `knownSeq`: every change of an item takes the next seq of its list in
 * the same transaction, so the items at the seq the caller knows are the ones it has.
 */
export const listWithItems = prepare(
  (db, key: { listId: string; userId: string; streamKey: string; knownSeq: number }) =>
    db
      .selectFrom('List')
      .leftJoin('ListMember', (join) =>
        join.onRef('ListMember.listId', '=', 'List.id').on('ListMember.userId', '=', key.userId),
      )
      .leftJoin('ChangeStream', (join) => join.on('ChangeStream.key', '=', key.streamKey))
      .leftJoin('Item', (join) =>
        join
          .onRef('Item.listId', '=', 'List.id')
          .on('Item.deletedAt', 'is', null)
          .on((eb) => eb(eb.fn.coalesce('ChangeStream.seq', eb.lit(0)), '<>', key.knownSeq)),
      )
      .select([
        'List.id',
        'List.title as name',
        'List.visibility',
        'List.inviteCode',
        'List.ownerId',
        'List.createdAt',
        'List.deletedAt',
        'ListMember.userId as memberId',
        'ChangeStream.seq',
        'Item.id as itemId',
        'Item.text as itemText',
        'Item.done as itemDone',
        'Item.position as itemPosition',
        'Item.version as itemVersion',
        'Item.createdById as itemCreatedById',
        'Item.updatedById as itemUpdatedById',
        'Item.createdAt as itemCreatedAt',
        'Item.updatedAt as itemUpdatedAt',
      ])
      .where('List.id', '=', key.listId),
);
