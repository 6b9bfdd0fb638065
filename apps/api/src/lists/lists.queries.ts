import { prepare } from '../db/sql.js';

// The lists' queries on their hot paths, built and compiled once (see `prepare`).

export const findItem = prepare((db, item: { id: string }) =>
  db.selectFrom('Item').selectAll().where('id', '=', item.id),
);

export const liveOrder = prepare((db, list: { id: string }) =>
  db.selectFrom('Item').select(['id', 'position']).where('listId', '=', list.id).where('deletedAt', 'is', null),
);
