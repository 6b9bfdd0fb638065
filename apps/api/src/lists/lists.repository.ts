import { Injectable } from '@nestjs/common';
import {
  ListsBroadcast,
  Namespace,
  rooms,
  timeOrderedId,
  type Change,
  type Item,
  type ItemChanged,
  type List,
  type ListDeleted,
  type ListUpdated,
  type User,
  type Visibility,
} from '@tandem/contract';
import { ChangeLogRepository } from '../db/change-log.repository.js';
import { DatabaseService, type UnitOfWork } from '../db/database.service.js';
import { isoTimestamp, timestamp } from '../db/dialect.js';
import type { Sql } from '../db/sql.js';
import { findItem, findList, isMember, liveOrder } from './lists.queries.js';

import type { ItemChanges, ItemEvent, ItemRow, ItemState, ListRecord } from './list-records.js';
import { ListOrder, byPosition } from './list-order.js';

/** User names never change, so they are remembered rather than read back on every item. */
const userNamesKept = 10_000;

/** Lists and their versioned items; rows become contract types here and nowhere else. */
@Injectable()
export class ListsRepository {
  private readonly userNames = new Map<string, string>();

  constructor(
    private readonly database: DatabaseService,
    private readonly changeLog: ChangeLogRepository,
  ) {}

  toList(record: ListRecord, seq: number, withInviteCode: boolean): List {
    return {
      id: record.id,
      title: record.title,
      ownerId: record.ownerId,
      visibility: record.visibility,
      seq,
      createdAt: isoTimestamp(record.createdAt),
      ...(withInviteCode && record.inviteCode ? { inviteCode: record.inviteCode } : {}),
    };
  }

  // ---- lists --------------------------------------------------------------------------------

  async createList(
    { sql }: UnitOfWork,
    list: { title: string; visibility: Visibility; inviteCode: string | null; ownerId: string },
  ): Promise<ListRecord> {
    const now = timestamp();
    const record: ListRecord = { id: timeOrderedId(), ...list, createdAt: now, updatedAt: now, deletedAt: null };
    await sql.run(sql.db.insertInto('List').values(record));
    await sql.run(sql.db.insertInto('ListMember').values({ listId: record.id, userId: list.ownerId, joinedAt: now }));
    return record;
  }

  /** A list, deleted or not. Reads take the caller's transaction when they decide a write. */
  async findList(listId: string, sql: Sql = this.database.reader): Promise<ListRecord | null> {
    return ((await sql.first(findList({ id: listId }))) as ListRecord | undefined) ?? null;
  }

  /** Lists not deleted that the user may see: public ones and private ones they belong to. */
  async listListsVisibleTo(userId: string): Promise<List[]> {
    const sql = this.database.reader;
    const records = (await sql.all(
      sql.db
        .selectFrom('List')
        .leftJoin('ListMember', (join) =>
          join.onRef('ListMember.listId', '=', 'List.id').on('ListMember.userId', '=', userId),
        )
        .selectAll('List')
        .select('ListMember.userId as member')
        .where('deletedAt', 'is', null)
        .where((eb) => eb.or([eb('visibility', '=', 'public'), eb('ListMember.userId', 'is not', null)]))
        .orderBy('createdAt')
        .orderBy('List.id'),
    )) as (ListRecord & { member: string | null })[];
    const seqs = await this.changeLog.currentSeqs(records.map((record) => rooms.list(record.id)));
    return records.map((record) => this.toList(record, seqs.get(rooms.list(record.id)) ?? 0, record.member !== null));
  }

  async isMember(listId: string, userId: string, sql: Sql = this.database.reader): Promise<boolean> {
    return (await sql.first(isMember({ listId, userId }))) !== undefined;
  }

  async addMember({ sql }: UnitOfWork, listId: string, userId: string): Promise<void> {
    await sql.run(
      sql.db
        .insertInto('ListMember')
        .values({ listId, userId, joinedAt: timestamp() })
        .onConflict((conflict) => conflict.columns(['listId', 'userId']).doNothing()),
    );
  }

  /** Renames the list and logs `list:updated` in the caller's transaction. */
  async renameList(context: UnitOfWork, record: ListRecord, title: string): Promise<List> {
    const { sql } = context;
    const updatedAt = timestamp();
    await sql.run(sql.db.updateTable('List').set({ title, updatedAt }).where('id', '=', record.id));
    const renamed = { ...record, title, updatedAt };
    const { data } = await this.changeLog.append<ListUpdated>(context, {
      namespace: Namespace.Lists,
      stream: rooms.list(record.id),
      event: ListsBroadcast.ListUpdated,
      // Only the list's subscribers hear it, and they are all members.
      data: (seq) => ({ listId: record.id, seq, list: this.toList(renamed, seq, true) }),
    });
    return data.list;
  }

  /** Marks the list deleted and logs `list:deleted` in the caller's transaction. */
  async deleteList(context: UnitOfWork, listId: string): Promise<void> {
    const { sql } = context;
    const now = timestamp();
    await sql.run(sql.db.updateTable('List').set({ deletedAt: now, updatedAt: now }).where('id', '=', listId));
    await this.changeLog.append<ListDeleted>(context, {
      namespace: Namespace.Lists,
      stream: rooms.list(listId),
      event: ListsBroadcast.ListDeleted,
      data: (seq) => ({ listId, seq }),
    });
  }

  // ---- items --------------------------------------------------------------------------------

  /** Where an item is and whether it is deleted: what the rules need before a write. */
  async itemState(itemId: string, sql: Sql = this.database.reader): Promise<ItemState | null> {
    const row = await sql.first(findItem({ id: itemId }));
    return row
      ? {
          listId: row.listId,
          version: row.version,
          position: row.position,
          deleted: row.deletedAt !== null,
          stored: row,
        }
      : null;
  }

  async findItem(itemId: string, sql: Sql = this.database.reader): Promise<Item | null> {
    const row = await sql.first(findItem({ id: itemId }));
    return row ? ((await this.toItems([row], sql))[0] ?? null) : null;
  }

  /** The list's items that are not deleted, in list order. */
  async liveItems(listId: string, sql: Sql = this.database.reader): Promise<Item[]> {
    const rows = await sql.all(
      sql.db.selectFrom('Item').selectAll().where('listId', '=', listId).where('deletedAt', 'is', null),
    );
    return this.toItems(rows.sort(byPosition), sql);
  }

  /** The live keys of the list, for placing an item. */
  async liveOrder(listId: string, sql: Sql): Promise<ListOrder> {
    return new ListOrder(await sql.all(liveOrder({ id: listId })));
  }

  /** Stores a new item (version 1) and logs `item:created` in the caller's transaction. */
  async createItem(
    context: UnitOfWork,
    item: { listId: string; text: string; position: string; user: User },
  ): Promise<Item> {
    const now = timestamp();
    this.rememberName(item.user);
    const row: ItemRow = {
      id: timeOrderedId(),
      listId: item.listId,
      text: item.text,
      done: 0,
      position: item.position,
      version: 1,
      createdById: item.user.id,
      updatedById: item.user.id,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    await context.sql.run(context.sql.db.insertInto('Item').values(row));
    return this.logItem(context, ListsBroadcast.ItemCreated, row);
  }

  /**
   * Applies `changes` only if the item is still at the version it was read at and in the same
   * deleted state, bumping the version in the same statement: the check and the write are one
   * atomic step in the database. Returns null, having written nothing, when the item moved on.
   */
  async writeItemIfCurrent(
    context: UnitOfWork,
    write: { state: ItemState; changes: ItemChanges; user: User; event: ItemEvent },
  ): Promise<Item | null> {
    const { stored } = write.state;
    const { text, done, position, deleted } = write.changes;
    const now = timestamp();
    const written: Partial<ItemRow> = {
      ...(text !== undefined ? { text } : {}),
      ...(done !== undefined ? { done: done ? 1 : 0 } : {}),
      ...(position !== undefined ? { position } : {}),
      ...(deleted !== undefined ? { deletedAt: deleted ? now : null } : {}),
      updatedById: write.user.id,
      updatedAt: now,
    };
    const { sql } = context;
    const count = await sql.run(
      sql.db
        .updateTable('Item')
        .set((eb) => ({ ...written, version: eb('version', '+', 1) }))
        .where('id', '=', stored.id)
        .where('version', '=', stored.version)
        .where('deletedAt', stored.deletedAt === null ? 'is' : 'is not', null),
    );
    if (count === 0) return null;
    this.rememberName(write.user);
    // Every write bumps the version, so the row matched at `stored.version` was exactly `stored`.
    return this.logItem(context, write.event, { ...stored, ...written, version: stored.version + 1 });
  }

  // ---- change stream ------------------------------------------------------------------------

  currentSeq(listId: string, sql?: Sql): Promise<number> {
    return this.changeLog.currentSeq(rooms.list(listId), sql);
  }

  changesSince(listId: string, sinceSeq: number, limit: number, sql?: Sql): Promise<Change[]> {
    return this.changeLog.since(rooms.list(listId), sinceSeq, limit, sql);
  }

  /**
   * Reads that must see one committed moment (a snapshot and its seq), each given `sql`: one read
   * transaction, so other nodes' commits meanwhile cannot slip in between two of its statements.
   */
  consistently<T>(read: (sql: Sql) => Promise<T>): Promise<T> {
    return this.database.snapshot(read);
  }

  private async logItem(context: UnitOfWork, event: ItemEvent, row: ItemRow): Promise<Item> {
    const [item] = (await this.toItems([row], context.sql)) as [Item];
    const { data } = await this.changeLog.append<ItemChanged>(context, {
      namespace: Namespace.Lists,
      stream: rooms.list(row.listId),
      event,
      data: (seq) => ({ listId: row.listId, seq, item }),
    });
    return data.item;
  }

  private async toItems(rows: ItemRow[], sql: Sql): Promise<Item[]> {
    const unknown = [...new Set(rows.flatMap((row) => [row.createdById, row.updatedById]))].filter(
      (userId) => !this.userNames.has(userId),
    );
    if (unknown.length > 0) {
      const users = await sql.all(sql.db.selectFrom('User').select(['id', 'name']).where('id', 'in', unknown));
      for (const user of users) this.rememberName(user);
    }
    const user = (userId: string): User => ({ id: userId, name: this.userNames.get(userId) ?? 'someone' });
    return rows.map((row) => ({
      id: row.id,
      listId: row.listId,
      text: row.text,
      done: row.done === 1,
      position: row.position,
      version: row.version,
      createdBy: user(row.createdById),
      updatedBy: user(row.updatedById),
      createdAt: isoTimestamp(row.createdAt),
      updatedAt: isoTimestamp(row.updatedAt),
      ...(row.deletedAt ? { deletedAt: isoTimestamp(row.deletedAt) } : {}),
    }));
  }

  private rememberName(user: User): void {
    if (this.userNames.size >= userNamesKept) this.userNames.clear();
    this.userNames.set(user.id, user.name);
  }
}
