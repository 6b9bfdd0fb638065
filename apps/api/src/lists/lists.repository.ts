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
import { DatabaseService, type Transaction, type WriteContext } from '../db/database.service.js';
import type { Item as ItemRow, List as ListRow } from '../generated/prisma/client.js';
import { ListOrder, byPosition } from './list-order.js';

export interface ListRecord extends Omit<ListRow, 'visibility'> {
  visibility: Visibility;
}

/** The broadcasts an item write can be logged as. */
export type ItemEvent = Exclude<
  (typeof ListsBroadcast)[keyof typeof ListsBroadcast],
  typeof ListsBroadcast.ListUpdated | typeof ListsBroadcast.ListDeleted
>;

/** What a versioned item write may change; `version`, `updatedById` and `updatedAt` follow. */
export interface ItemChanges {
  text?: string;
  done?: boolean;
  position?: string;
  deletedAt?: Date | null;
}

/** An item as a write finds it: what the rules look at, and the stored row the write starts from. */
export interface ItemState {
  listId: string;
  version: number;
  position: string;
  deleted: boolean;
  readonly stored: ItemRow;
}

/** User names never change, so they are remembered rather than read back on every item. */
const userNamesKept = 10_000;

/** Every Prisma call of the lists feature; rows become contract types here and nowhere else. */
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
      createdAt: record.createdAt.toISOString(),
      ...(withInviteCode && record.inviteCode ? { inviteCode: record.inviteCode } : {}),
    };
  }

  // ---- lists --------------------------------------------------------------------------------

  createList(list: {
    title: string;
    visibility: Visibility;
    inviteCode: string | null;
    ownerId: string;
  }): Promise<ListRecord> {
    return this.database.write(async ({ tx }) => {
      const created = await tx.list.create({ data: { id: timeOrderedId(), ...list } });
      await tx.listMember.create({ data: { listId: created.id, userId: list.ownerId } });
      return created as ListRecord;
    });
  }

  /** A list, deleted or not. Reads take the caller's transaction when they decide a write. */
  async findList(listId: string, db: Transaction = this.database.client): Promise<ListRecord | null> {
    return (await db.list.findUnique({ where: { id: listId } })) as ListRecord | null;
  }

  /** Lists not deleted that the user may see: public ones and private ones they belong to. */
  async listListsVisibleTo(userId: string): Promise<List[]> {
    const records = await this.database.client.list.findMany({
      where: { deletedAt: null, OR: [{ visibility: 'public' }, { members: { some: { userId } } }] },
      include: { members: { where: { userId }, select: { userId: true } } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    const seqs = await this.changeLog.currentSeqs(records.map((record) => rooms.list(record.id)));
    return records.map((record) =>
      this.toList(record as ListRecord, seqs.get(rooms.list(record.id)) ?? 0, record.members.length > 0),
    );
  }

  async isMember(listId: string, userId: string, db: Transaction = this.database.client): Promise<boolean> {
    return (await db.listMember.count({ where: { listId, userId } })) > 0;
  }

  addMember(listId: string, userId: string): Promise<void> {
    return this.database.write(async ({ tx }) => {
      await tx.listMember.upsert({
        where: { listId_userId: { listId, userId } },
        create: { listId, userId },
        update: {},
      });
    });
  }

  /** Renames the list and logs `list:updated` in the caller's transaction. */
  async renameList(context: WriteContext, listId: string, title: string): Promise<List> {
    const record = (await context.tx.list.update({
      where: { id: listId },
      data: { title, updatedAt: new Date() },
    })) as ListRecord;
    const { data } = await this.changeLog.append<ListUpdated>(context, {
      namespace: Namespace.Lists,
      stream: rooms.list(listId),
      event: ListsBroadcast.ListUpdated,
      // Only the list's subscribers hear it, and they are all members.
      data: (seq) => ({ listId, seq, list: this.toList(record, seq, true) }),
    });
    return data.list;
  }

  /** Marks the list deleted and logs `list:deleted` in the caller's transaction. */
  async deleteList(context: WriteContext, listId: string): Promise<void> {
    const now = new Date();
    await context.tx.list.update({ where: { id: listId }, data: { deletedAt: now, updatedAt: now } });
    await this.changeLog.append<ListDeleted>(context, {
      namespace: Namespace.Lists,
      stream: rooms.list(listId),
      event: ListsBroadcast.ListDeleted,
      data: (seq) => ({ listId, seq }),
    });
  }

  // ---- items --------------------------------------------------------------------------------

  /** Where an item is and whether it is deleted: what the rules need before a write. */
  async itemState(itemId: string, db: Transaction = this.database.client): Promise<ItemState | null> {
    const row = await db.item.findUnique({ where: { id: itemId } });
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

  async findItem(itemId: string, db: Transaction = this.database.client): Promise<Item | null> {
    const row = await db.item.findUnique({ where: { id: itemId } });
    return row ? ((await this.toItems([row], db))[0] ?? null) : null;
  }

  /** The list's items that are not deleted, in list order. */
  async liveItems(listId: string, db: Transaction = this.database.client): Promise<Item[]> {
    const rows = await db.item.findMany({ where: { listId, deletedAt: null } });
    return this.toItems(rows.sort(byPosition), db);
  }

  /** The live keys of the list, for placing an item. */
  async liveOrder(listId: string, tx: Transaction): Promise<ListOrder> {
    return new ListOrder(
      await tx.item.findMany({ where: { listId, deletedAt: null }, select: { id: true, position: true } }),
    );
  }

  /** Stores a new item (version 1) and logs `item:created` in the caller's transaction. */
  async createItem(
    context: WriteContext,
    item: { listId: string; text: string; position: string; user: User },
  ): Promise<Item> {
    const now = new Date();
    this.rememberName(item.user);
    const row = await context.tx.item.create({
      data: {
        id: timeOrderedId(),
        listId: item.listId,
        text: item.text,
        position: item.position,
        createdById: item.user.id,
        updatedById: item.user.id,
        createdAt: now,
        updatedAt: now,
      },
    });
    return this.logItem(context, ListsBroadcast.ItemCreated, row);
  }

  /**
   * Applies `changes` only if the item is still at the version it was read at and in the same
   * deleted state, bumping the version in the same statement: the check and the write are one
   * atomic step in the database. Returns null, having written nothing, when the item moved on.
   */
  async writeItemIfCurrent(
    context: WriteContext,
    write: { state: ItemState; changes: ItemChanges; user: User; event: ItemEvent },
  ): Promise<Item | null> {
    const { stored } = write.state;
    const written = { ...write.changes, updatedById: write.user.id, updatedAt: new Date() };
    const { count } = await context.tx.item.updateMany({
      where: { id: stored.id, version: stored.version, deletedAt: stored.deletedAt === null ? null : { not: null } },
      data: { ...written, version: { increment: 1 } },
    });
    if (count === 0) return null;
    this.rememberName(write.user);
    // Every write bumps the version, so the row matched at `stored.version` was exactly `stored`.
    return this.logItem(context, write.event, { ...stored, ...written, version: stored.version + 1 });
  }

  // ---- change stream ------------------------------------------------------------------------

  currentSeq(listId: string): Promise<number> {
    return this.changeLog.currentSeq(rooms.list(listId));
  }

  changesSince(listId: string, sinceSeq: number, limit: number): Promise<Change[]> {
    return this.changeLog.since(rooms.list(listId), sinceSeq, limit);
  }

  /** Reads that must see one consistent moment (a snapshot and its seq). */
  consistently<T>(read: () => Promise<T>): Promise<T> {
    return this.database.serialized(read);
  }

  private async logItem(context: WriteContext, event: ItemEvent, row: ItemRow): Promise<Item> {
    const [item] = (await this.toItems([row], context.tx)) as [Item];
    const { data } = await this.changeLog.append<ItemChanged>(context, {
      namespace: Namespace.Lists,
      stream: rooms.list(row.listId),
      event,
      data: (seq) => ({ listId: row.listId, seq, item }),
    });
    return data.item;
  }

  private async toItems(rows: ItemRow[], db: Transaction): Promise<Item[]> {
    const unknown = [...new Set(rows.flatMap((row) => [row.createdById, row.updatedById]))].filter(
      (userId) => !this.userNames.has(userId),
    );
    if (unknown.length > 0) {
      const users = await db.user.findMany({ where: { id: { in: unknown } }, select: { id: true, name: true } });
      for (const user of users) this.rememberName(user);
    }
    const user = (userId: string): User => ({ id: userId, name: this.userNames.get(userId) ?? 'someone' });
    return rows.map((row) => ({
      id: row.id,
      listId: row.listId,
      text: row.text,
      done: row.done,
      position: row.position,
      version: row.version,
      createdBy: user(row.createdById),
      updatedBy: user(row.updatedById),
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      ...(row.deletedAt ? { deletedAt: row.deletedAt.toISOString() } : {}),
    }));
  }

  private rememberName(user: User): void {
    if (this.userNames.size >= userNamesKept) this.userNames.clear();
    this.userNames.set(user.id, user.name);
  }
}
