import { Injectable } from '@nestjs/common';
import {
  ListsBroadcast,
  Namespace,
  rooms,
  timeOrderedId,
  type Item,
  type ItemChanged,
  type List,
  type ListDeleted,
  type ListUpdated,
  type User,
} from '@tandem/contract';
import { encodedOnce } from '../common/encoded-once.js';
import { ChangeLogRepository } from '../db/change-log.repository.js';
import { DatabaseService, type UnitOfWork } from '../db/database.service.js';
import { timestamp } from '../db/dialect.js';
import type { Sql } from '../db/sql.js';
import { toSummary } from '../spaces/spaces.service.js';
import type { SpaceRecord } from '../spaces/spaces.repository.js';
import {
  findItem,
  listWithItems,
  nearestKey,
  neighbourWithNextKey,
  updateItemAtVersion,
  type KeySide,
} from './lists.queries.js';
import { claimItem, currentItems, itemsForWrite, writtenItem } from './items-for-write.js';
import {
  changedColumns,
  itemStateOf,
  toItem,
  type ItemChanges,
  type ItemEvent,
  type ItemForWrite,
  type ItemRow,
  type ItemState,
} from './list-records.js';
import { appendItems } from './item-appends.js';
import { byPosition } from './list-order.js';
import { KeptItems, snapshotOf } from './list-snapshots.js';

/** User names never change, so they are remembered rather than read back on every item. */
const userNamesKept = 10_000;

/** Lists and their versioned items; rows become contract types here and nowhere else. */
@Injectable()
export class ListsRepository {
  private readonly userNames = new Map<string, string>();
  private readonly keptItems = new KeptItems();

  constructor(
    private readonly database: DatabaseService,
    private readonly changeLog: ChangeLogRepository,
  ) {}

  /** The list as the contract has it: a space whose name is its title. */
  toList(record: SpaceRecord, seq: number, withInviteCode: boolean): List {
    const { name, ...space } = toSummary(record, seq, withInviteCode);
    return { ...space, title: name };
  }

  // ---- lists --------------------------------------------------------------------------------

  /** Logs `list:updated` (after a rename) in the caller's transaction. */
  async appendListUpdated(context: UnitOfWork, record: SpaceRecord): Promise<List> {
    const { data } = await this.changeLog.append<ListUpdated>(context, {
      namespace: Namespace.Lists,
      stream: rooms.list(record.id),
      event: ListsBroadcast.ListUpdated,
      // Only the list's subscribers hear it, and they are all members.
      data: (seq) => ({ listId: record.id, seq, list: encodedOnce(this.toList(record, seq, true)) }),
    });
    return data.list;
  }

  /** Logs `list:deleted` in the caller's transaction. */
  async appendListDeleted(context: UnitOfWork, listId: string): Promise<void> {
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
    return row ? itemStateOf(row) : null;
  }

  /**
   * A move's neighbour and the live key next to it on `side` (see `neighbourWithNextKey`),
   * leaving out the item `itemId` moves; null if there is no such neighbour.
   */
  async neighbourOf(
    neighbourId: string,
    itemId: string,
    side: 'after' | 'before',
    sql: Sql,
  ): Promise<{ state: ItemState; next: string | null } | null> {
    const row = await sql.first(neighbourWithNextKey(side, { neighbourId, itemId }));
    if (!row) return null;
    const { next, ...stored } = row;
    return { state: itemStateOf(stored), next: next ?? null };
  }

  /**
   * The item, whether its list is deleted and whether the user is a member of it: one read, and
   * one for all the works of the transaction that ask together (see `UnitOfWork.gather`).
   */
  itemForWrite(itemId: string, userId: string, context: UnitOfWork): Promise<ItemForWrite | null> {
    return context.gather(itemsForWrite, { itemId, userId });
  }

  /** The item as the work's transaction sees it now: one read for the works that ask together (see `currentItems`). */
  async currentItem(itemId: string, context: UnitOfWork): Promise<Item | null> {
    const row = (await writtenItem(context, itemId)) ?? (await context.gather(currentItems, itemId));
    return row ? this.asItem(row, context.sql) : null;
  }

  async findItem(itemId: string, sql: Sql = this.database.reader): Promise<Item | null> {
    const row = await sql.first(findItem({ id: itemId }));
    return row ? this.asItem(row, sql) : null;
  }

  /** A stored row as the contract has it. */
  async asItem(row: ItemRow, sql: Sql): Promise<Item> {
    return (await this.toItems([row], sql))[0]!;
  }

  /**
   * The list (deleted or not), whether the user is a member, its seq and its live items in list
   * order, as of one moment: one statement (see `listWithItems`), the items kept from an earlier
   * read when the list is still at its seq (see `KeptItems`); null if there is no such list.
   */
  async listWithItems(
    listId: string,
    userId: string,
  ): Promise<{ record: SpaceRecord; member: boolean; seq: number; items: Item[] } | null> {
    const sql = this.database.reader;
    // Taken before the read: the read leaves the items out when the list is still at its seq.
    const kept = this.keptItems.of(listId);
    const knownSeq = kept?.seq ?? -1;
    const rows = await sql.all(listWithItems({ listId, userId, streamKey: rooms.list(listId), knownSeq }));
    const first = rows[0];
    if (!first) return null;
    const seq = first.seq ?? 0;
    const { record, items } = snapshotOf(rows);
    return {
      record,
      member: first.memberId !== null,
      seq,
      items:
        kept && seq === knownSeq
          ? (kept.items as Item[])
          : this.keptItems.keep(listId, seq, await this.toItems(items.sort(byPosition), sql)),
    };
  }

  /** The list's items that are not deleted, in list order. */
  async liveItems(listId: string, sql: Sql = this.database.reader): Promise<Item[]> {
    const rows = await sql.all(
      sql.db.selectFrom('Item').selectAll().where('listId', '=', listId).where('deletedAt', 'is', null),
    );
    return this.toItems(rows.sort(byPosition), sql);
  }

  /**
   * For placing an item: the list's live key nearest to `position` on one side (null: the first
   * key, or the last for `before`), ignoring the item `except` ('' ignores none); null if none.
   */
  async nearestKey(
    listId: string,
    side: KeySide,
    position: string | null,
    except: string,
    sql: Sql,
  ): Promise<string | null> {
    const found = await sql.first(nearestKey({ side, bounded: position !== null }, { listId, position, except }));
    return found?.position ?? null;
  }

  /**
   * Stores a new item (version 1) at the end of its list and logs `item:created` in the caller's
   * transaction; works that overlap place and insert theirs together (see `appendItems`).
   */
  async createItem(context: UnitOfWork, item: { listId: string; text: string; user: User }): Promise<Item> {
    const now = timestamp();
    this.rememberName(item.user);
    const row: Omit<ItemRow, 'position'> = {
      id: timeOrderedId(),
      listId: item.listId,
      text: item.text,
      done: 0,
      version: 1,
      createdById: item.user.id,
      updatedById: item.user.id,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    const position = await context.gather(appendItems, row);
    return this.logItem(context, ListsBroadcast.ItemCreated, { ...row, position });
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
    const now = timestamp();
    const written: Partial<ItemRow> = {
      ...changedColumns(write.changes, now),
      updatedById: write.user.id,
      updatedAt: now,
    };
    const { text, done, position, deleted } = write.changes;
    // A write of the transaction that expected this same version went first: this one cannot match.
    const settle = claimItem(context, stored);
    if (!settle) return null;
    let row: ItemRow | null = null;
    try {
      const count = await context.sql.run(
        updateItemAtVersion(
          {
            text: text !== undefined,
            done: done !== undefined,
            position: position !== undefined,
            deletedAt: deleted !== undefined,
            deleted: stored.deletedAt !== null,
          },
          { ...stored, ...written },
        ),
      );
      // Every write bumps the version, so the row matched at `stored.version` was exactly `stored`.
      if (count > 0) row = { ...stored, ...written, version: stored.version + 1 };
    } finally {
      settle(row);
    }
    if (!row) return null;
    this.rememberName(write.user);
    return this.logItem(context, write.event, row);
  }

  private async logItem(context: UnitOfWork, event: ItemEvent, row: ItemRow): Promise<Item> {
    const [item] = (await this.toItems([row], context.sql)) as [Item];
    const { data } = await this.changeLog.append<ItemChanged>(context, {
      namespace: Namespace.Lists,
      stream: rooms.list(row.listId),
      event,
      // Its JSON is made once: the change's record, the stored result, the broadcast and the ack splice it in.
      data: (seq) => ({ listId: row.listId, seq, item: encodedOnce(item) }),
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
    return rows.map((row) => toItem(row, user));
  }

  private rememberName(user: User): void {
    if (this.userNames.size >= userNamesKept) this.userNames.clear();
    this.userNames.set(user.id, user.name);
  }
}
