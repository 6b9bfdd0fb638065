import { Injectable } from '@nestjs/common';
import {
  DirectoryChange,
  ErrorCode,
  ListsBroadcast,
  ListsCommand,
  keyBetween,
  type Item,
  type ItemConflictDetails,
  type ListChange,
  type ListJoined,
  type ListSnapshot,
  type ListsCommandResults,
  type ListsInput,
  type User,
} from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import type { UnitOfWork } from '../db/database.service.js';
import type { Sql } from '../db/sql.js';
import { UnitsOfWork } from '../db/units-of-work.js';
import type { ItemChanges, ItemEvent, ItemForWrite, ItemState } from './list-records.js';
import { ListsRepository } from './lists.repository.js';
import { SpaceKinds } from '../space-kinds.js';
import { SpacesRepository, type SpaceRecord } from '../spaces/spaces.repository.js';
import { SpacesService } from '../spaces/spaces.service.js';

/** What a versioned item write changes, once its rules have been checked. */
interface PlannedWrite {
  changes: ItemChanges;
  event: ItemEvent;
}

type VersionedInput = { opId: string; itemId: string; version: number };

/**
 * The lists' rules: who may see, join and change a list; optimistic concurrency on items (a
 * write names the version it saw and is refused with the current item otherwise); where an item
 * goes when it is created, moved or restored; what a resync returns.
 */
@Injectable()
export class ListsService {
  constructor(
    private readonly lists: ListsRepository,
    private readonly writes: UnitsOfWork,
    private readonly spaces: SpacesService,
    private readonly spaceRecords: SpacesRepository,
  ) {}

  async createList(user: User, input: ListsInput<'list:create'>): Promise<ListsCommandResults['list:create']> {
    const record = await this.spaces.create(SpaceKinds.list, user, { name: input.title, visibility: input.visibility });
    return { list: this.lists.toList(record, 0, true) };
  }

  async listLists(user: User): Promise<ListsCommandResults['list:list']> {
    const visible = await this.spaceRecords.visibleTo(SpaceKinds.list, user.id);
    return { lists: visible.map((space) => this.lists.toList(space, space.seq, space.member)) };
  }

  /**
   * Makes the user a member (a private list needs its invite code), then calls `subscribe` so the
   * socket hears broadcasts, and only then reads the snapshot or the missed changes: nothing
   * committed in between can fall through (a client drops broadcasts whose seq it already has).
   */
  async joinList(user: User, input: ListsInput<'list:join'>, subscribe: () => void): Promise<ListJoined> {
    await this.spaces.join(SpaceKinds.list, user, input.listId, input.inviteCode);
    subscribe();
    if (input.sinceSeq === undefined) {
      // A snapshot: the list, its seq and its items are one read (one moment without a transaction).
      const found = await this.lists.listWithItems(input.listId, user.id);
      if (!found || found.record.deletedAt) throw DomainError.notFound(SpaceKinds.list.noun);
      return { list: this.lists.toList(found.record, found.seq, true), seq: found.seq, items: found.items };
    }
    return this.spaceRecords.consistently(async (sql) => {
      // Read again: the list may have been renamed or deleted since the check above.
      const current = await this.requireList(input.listId, sql);
      const caughtUp = await this.spaces.catchUp<{ items: Item[] }, ListChange>(
        SpaceKinds.list,
        current.id,
        input.sinceSeq,
        sql,
        async () => ({ items: await this.lists.liveItems(current.id, sql) }),
      );
      return { list: this.lists.toList(current, caughtUp.seq, true), ...caughtUp };
    });
  }

  /**
   * What `list:join` would answer, without joining: the read-only mirror for scripts. The list, the
   * user's membership, its seq and its items are one read (see `ListsRepository.listWithItems`).
   */
  async readList(user: User, listId: string): Promise<ListSnapshot> {
    const found = await this.lists.listWithItems(listId, user.id);
    if (!found || found.record.deletedAt) throw DomainError.notFound(SpaceKinds.list.noun);
    const { record, member, seq, items } = found;
    this.spaces.requireVisible(SpaceKinds.list, record, member);
    return { list: this.lists.toList(record, seq, member), seq, items };
  }

  /**
   * Members only; announced in the directory with the list as the rename left it, as read for its
   * checks (a retry, which renames nothing, announces the list as it is now).
   */
  async renameList(user: User, input: ListsInput<'list:rename'>): Promise<ListsCommandResults['list:rename']> {
    let written: SpaceRecord | undefined;
    const renamed = await this.writes.once(
      user.id,
      input.opId,
      ListsCommand.ListRename,
      async (context) => {
        const record = await this.spaces.requireMemberAmong(SpaceKinds.list, input.listId, user, context);
        written = await this.spaceRecords.rename(SpaceKinds.list, context, record, input.title);
        return { list: await this.lists.appendListUpdated(context, written) };
      },
      {
        replay: async (stored) => {
          written = undefined;
          return stored;
        },
        // As `room:rename`: its check is a gathered read of what the overlapping works of its
        // transaction do not change; it writes the list's row, then appends. Two renames of one
        // list in one transaction run their statements in step: the list keeps the title whose
        // list:updated has the later seq.
        overlaps: true,
      },
    );
    if (written) await this.spaces.announce(SpaceKinds.list, DirectoryChange.Renamed, written, renamed.list.seq);
    else await this.spaces.announceChange(SpaceKinds.list, DirectoryChange.Renamed, input.listId);
    return renamed;
  }

  /** Owner only; announced in the directory. */
  async deleteList(user: User, input: ListsInput<'list:delete'>): Promise<ListsCommandResults['list:delete']> {
    const deleted = await this.writes.once(user.id, input.opId, ListsCommand.ListDelete, async (context) => {
      const found = await this.requireList(input.listId, context.sql);
      const record = this.spaces.requireOwner(SpaceKinds.list, found, user, 'delete the list');
      await this.spaceRecords.markDeleted(SpaceKinds.list, context, record.id);
      await this.lists.appendListDeleted(context, record.id);
      return { listId: record.id };
    });
    await this.spaces.announceChange(SpaceKinds.list, DirectoryChange.Deleted, input.listId);
    return deleted;
  }

  /**
   * Appends the item at the end of the list. Its check is a read and its write an append placed
   * with those of the works beside it: it may overlap them (its membership checked with its opId).
   */
  createItem(user: User, input: ListsInput<'item:create'>): Promise<ListsCommandResults['item:create']> {
    const append = async (context: UnitOfWork) => ({
      item: await this.lists.createItem(context, { listId: input.listId, text: input.text, user }),
    });
    return this.writes.once(user.id, input.opId, ListsCommand.ItemCreate, append, {
      overlaps: true,
      check: (context) => this.spaces.requireMemberAmong(SpaceKinds.list, input.listId, user, context),
    });
  }

  updateItem(user: User, input: ListsInput<'item:update'>): Promise<ListsCommandResults['item:update']> {
    const { position, ...rest } = input.patch;
    const plan = async (context: UnitOfWork, state: ItemState): Promise<PlannedWrite> => {
      const changes: ItemChanges = { ...rest };
      if (position !== undefined)
        changes.position = await this.freePosition(state.listId, position, input.itemId, context.sql);
      return { changes, event: ListsBroadcast.ItemUpdated };
    };
    // A new key depends on the other items' keys: placing one must not overlap another write.
    return this.versionedWrite(user, input, ListsCommand.ItemUpdate, false, plan, position === undefined);
  }

  deleteItem(user: User, input: ListsInput<'item:delete'>): Promise<ListsCommandResults['item:delete']> {
    const plan = async (): Promise<PlannedWrite> => ({ changes: { deleted: true }, event: ListsBroadcast.ItemDeleted });
    return this.versionedWrite(user, input, ListsCommand.ItemDelete, false, plan, true);
  }

  /** Undoes a delete; the item goes back to its place, or right after it if that key was taken since. */
  restoreItem(user: User, input: ListsInput<'item:restore'>): Promise<ListsCommandResults['item:restore']> {
    return this.versionedWrite(user, input, ListsCommand.ItemRestore, true, async (context, state) => ({
      changes: {
        deleted: false,
        position: await this.freePosition(state.listId, state.position, input.itemId, context.sql),
      },
      event: ListsBroadcast.ItemRestored,
    }));
  }

  /**
   * Writes one new key for the item between two neighbours' current keys; no other item changes.
   * The item lands right after `afterId` (null: at the start), or, when only `beforeId` is given,
   * right before it (null: at the end). The other neighbour of the pair is looked up now, not
   * taken from the client, so concurrent moves into the same gap get distinct keys.
   */
  moveItem(user: User, input: ListsInput<'item:move'>): Promise<ListsCommandResults['item:move']> {
    return this.versionedWrite(user, input, ListsCommand.ItemMove, false, async (context, state) => {
      const { sql } = context;
      let position: string;
      if (input.afterId !== undefined) {
        if (input.afterId === null)
          position = keyBetween(null, await this.lists.nearestKey(state.listId, 'after', null, input.itemId, sql));
        else {
          const { low, next } = await this.requireNeighbour(input.afterId, input.itemId, 'after', state, sql);
          position = keyBetween(low, next);
        }
      } else if (input.beforeId == null) {
        position = keyBetween(await this.lists.nearestKey(state.listId, 'before', null, input.itemId, sql), null);
      } else {
        const { low: high, next } = await this.requireNeighbour(input.beforeId, input.itemId, 'before', state, sql);
        position = keyBetween(next, high);
      }
      return { changes: { position }, event: ListsBroadcast.ItemMoved };
    });
  }

  /**
   * One versioned item write: the item must exist on a list the user belongs to, be at the
   * version the client names and in the expected deleted state; otherwise `CONFLICT` with the
   * item as this work read it (a write of the same batch may be newer: clients keep the higher
   * version), and nothing is written. The write itself is conditional on the version:
   * it may overlap other writes (`overlaps`) when its plan reads nothing else that they change.
   */
  private versionedWrite(
    user: User,
    input: VersionedInput,
    command: ListsCommand,
    expectDeleted: boolean,
    plan: (context: UnitOfWork, state: ItemState) => Promise<PlannedWrite>,
    overlaps = false,
  ): Promise<{ item: Item }> {
    // The item is read as the work's check: with the opId's lookup (on a server, in its round trip).
    let read: Promise<ItemForWrite | null> | undefined;
    const check = (context: UnitOfWork) => (read = this.lists.itemForWrite(input.itemId, user.id, context));
    const work = async (context: UnitOfWork) => {
      const asked = read ?? check(context);
      read = undefined;
      const found = await asked;
      if (!found) throw DomainError.notFound('item');
      this.spaces.requireMembership(SpaceKinds.list, found.list);
      const { state } = found;
      // Refuse early, before planning the write, with the item as just read; the write itself checks again, atomically.
      if (state.version !== input.version || state.deleted !== expectDeleted) {
        throw this.conflict(input, expectDeleted, await this.lists.asItem(state.stored, context.sql));
      }
      const { changes, event } = await plan(context, state);
      const item = await this.lists.writeItemIfCurrent(context, { state, changes, user, event });
      // Another write overlapping this one got there first: the item as it is now.
      if (!item) throw this.conflict(input, expectDeleted, await this.currentItem(input.itemId, context));
      return { item };
    };
    return this.writes.once(user.id, input.opId, command, work, { overlaps, check });
  }

  private conflict(input: VersionedInput, expectDeleted: boolean, current: Item): DomainError {
    const by = current.updatedBy.name;
    const message =
      current.deletedAt && !expectDeleted
        ? `the item was deleted by ${by}`
        : !current.deletedAt && expectDeleted
          ? `the item is not deleted (last changed by ${by})`
          : `the item was changed by ${by}: version ${current.version} is current, the write named ${input.version}`;
    return new DomainError(ErrorCode.Conflict, message, { current } satisfies ItemConflictDetails);
  }

  private async currentItem(itemId: string, context: UnitOfWork): Promise<Item> {
    const item = await this.lists.currentItem(itemId, context);
    if (!item) throw DomainError.notFound('item');
    return item;
  }

  /**
   * A neighbour of a move: a live item of the same list (a deleted one means a stale view), its
   * key (`low`) and the live key next to it on `side`, the moved item left out (`next`).
   */
  private async requireNeighbour(
    neighbourId: string,
    itemId: string,
    side: 'after' | 'before',
    state: ItemState,
    sql: Sql,
  ): Promise<{ low: string; next: string | null }> {
    const found = await this.lists.neighbourOf(neighbourId, itemId, side, sql);
    if (!found || found.state.listId !== state.listId) throw DomainError.notFound('neighbour item');
    if (found.state.deleted) {
      const current = await this.lists.asItem(state.stored, sql);
      throw new DomainError(ErrorCode.Conflict, 'the neighbour item was deleted', {
        current,
      } satisfies ItemConflictDetails);
    }
    return { low: found.state.position, next: found.next };
  }

  /** `wanted` if no other live item holds it, else a key right after it: live keys stay unique. */
  private async freePosition(listId: string, wanted: string, itemId: string, sql: Sql): Promise<string> {
    if ((await this.lists.nearestKey(listId, 'from', wanted, itemId, sql)) !== wanted) return wanted;
    return keyBetween(wanted, await this.lists.nearestKey(listId, 'after', wanted, itemId, sql));
  }

  private requireList(listId: string, sql?: Sql): Promise<SpaceRecord> {
    return this.spaces.require(SpaceKinds.list, listId, sql);
  }
}
