import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { ErrorCode, keyBetween, type Change, type Item, type List, type User } from '@tandem/contract';
import type { DomainError } from '../common/domain-error.js';
import type { UnitOfWork } from '../db/database.service.js';
import type { Sql } from '../db/sql.js';
import type { UnitsOfWork } from '../db/units-of-work.js';
import { ListOrder } from './list-order.js';
import type { ItemChanges, ItemEvent, ItemRow, ItemState, ListRecord } from './list-records.js';
import type { ListsRepository } from './lists.repository.js';
import { ListsService } from './lists.service.js';
import { DomainEvents } from '../common/domain-events.js';
import type { SpacesRepository } from '../spaces/spaces.repository.js';
import { SpacesService } from '../spaces/spaces.service.js';

const ann: User = { id: randomUUID(), name: 'ann' };
const bob: User = { id: randomUUID(), name: 'bob' };

/** The repository's contract, kept in memory: enough to check the service's rules alone. */
class FakeListsRepository {
  readonly lists = new Map<string, ListRecord>();
  readonly members = new Set<string>();
  readonly rows = new Map<string, ItemRow>();
  readonly names = new Map([ann, bob].map((user) => [user.id, user.name]));
  readonly log: string[] = [];
  seq = 0;

  addList(owner: User, visibility: 'public' | 'private' = 'public'): ListRecord {
    const record: ListRecord = {
      id: randomUUID(),
      title: 'groceries',
      visibility,
      inviteCode: visibility === 'private' ? 'code' : null,
      ownerId: owner.id,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      deletedAt: null,
    };
    this.lists.set(record.id, record);
    this.members.add(`${record.id}/${owner.id}`);
    return record;
  }

  addItem(listId: string, text: string, position: string, deleted = false): ItemRow {
    const row: ItemRow = {
      id: randomUUID(),
      listId,
      text,
      done: 0,
      position,
      version: 1,
      createdById: ann.id,
      updatedById: ann.id,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      deletedAt: deleted ? new Date().toISOString() : null,
    };
    this.rows.set(row.id, row);
    return row;
  }

  toList(record: ListRecord, seq: number): List {
    return {
      id: record.id,
      title: record.title,
      ownerId: record.ownerId,
      visibility: record.visibility,
      seq,
      createdAt: '',
    };
  }
  async findList(listId: string) {
    return this.lists.get(listId) ?? null;
  }
  async find(_: unknown, listId: string) {
    const record = this.lists.get(listId);
    return record ? { ...record, name: record.title } : null;
  }
  async isMember(listId: string, userId: string) {
    return this.members.has(`${listId}/${userId}`);
  }
  async addMember(_: UnitOfWork, listId: string, userId: string) {
    this.log.push('addMember');
    this.members.add(`${listId}/${userId}`);
  }
  async consistently<T>(read: () => Promise<T>) {
    return read();
  }
  async currentSeq() {
    this.log.push('currentSeq');
    return this.seq;
  }
  async changesSince(_: string, sinceSeq: number): Promise<Change[]> {
    return Array.from({ length: this.seq - sinceSeq }, (__, i) => ({
      seq: sinceSeq + i + 1,
      event: 'item:created',
      data: {},
    }));
  }
  async liveItems(listId: string) {
    return this.live(listId).map((row) => this.toItem(row));
  }
  async deleteList(_: UnitOfWork, listId: string) {
    this.log.push(`deleteList ${listId}`);
  }
  async itemState(itemId: string): Promise<ItemState | null> {
    const row = this.rows.get(itemId);
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
  async findItem(itemId: string) {
    const row = this.rows.get(itemId);
    return row ? this.toItem(row) : null;
  }
  async liveOrder(listId: string) {
    return new ListOrder(this.live(listId));
  }
  async createItem(_: UnitOfWork, item: { listId: string; text: string; position: string; user: User }) {
    return this.toItem(this.addItem(item.listId, item.text, item.position));
  }
  async writeItemIfCurrent(
    _: UnitOfWork,
    write: { state: ItemState; changes: ItemChanges; user: User; event: ItemEvent },
  ): Promise<Item | null> {
    const row = this.rows.get(write.state.stored.id);
    if (!row || row.version !== write.state.version) return null;
    const { text, done, position, deleted } = write.changes;
    Object.assign(row, {
      ...(text !== undefined ? { text } : {}),
      ...(done !== undefined ? { done: done ? 1 : 0 } : {}),
      ...(position !== undefined ? { position } : {}),
      ...(deleted !== undefined ? { deletedAt: deleted ? new Date().toISOString() : null } : {}),
      version: row.version + 1,
      updatedById: write.user.id,
    });
    this.log.push(write.event);
    return this.toItem(row);
  }

  private live(listId: string): ItemRow[] {
    return [...this.rows.values()]
      .filter((row) => row.listId === listId && row.deletedAt === null)
      .sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
  }

  private toItem(row: ItemRow): Item {
    const user = (id: string) => ({ id, name: this.names.get(id) ?? 'someone' });
    return {
      id: row.id,
      listId: row.listId,
      text: row.text,
      done: row.done === 1,
      position: row.position,
      version: row.version,
      createdBy: user(row.createdById),
      updatedBy: user(row.updatedById),
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      ...(row.deletedAt ? { deletedAt: row.deletedAt } : {}),
    };
  }
}

/** Runs the work at once, as the real one does inside a transaction (retries are its own spec). */
const context: UnitOfWork = { sql: {} as Sql, publishAfterCommit: () => undefined };
const writes = {
  write: <T>(work: (context: UnitOfWork) => Promise<T>) => work(context),
  once: <T>(_: string, __: string, ___: string, work: (context: UnitOfWork) => Promise<T>) => work(context),
} as unknown as UnitsOfWork;

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a refusal');
}

describe(ListsService.name, () => {
  let repository: FakeListsRepository;
  let sut: ListsService;

  beforeEach(() => {
    repository = new FakeListsRepository();
    const spaceRecords = repository as unknown as SpacesRepository;
    const spaces = new SpacesService(spaceRecords, writes, new DomainEvents());
    sut = new ListsService(repository as unknown as ListsRepository, writes, spaces, spaceRecords);
  });

  describe('joinList', () => {
    it('refuses a private list without its invite code, before subscribing', async () => {
      const list = repository.addList(ann, 'private');
      let subscribed = false;
      const error = await refusal(
        sut.joinList(bob, { listId: list.id, inviteCode: 'wrong' }, () => (subscribed = true)),
      );
      expect(error.code).toBe(ErrorCode.Forbidden);
      expect(subscribed).toBe(false);
      expect(repository.log).toEqual([]);
    });

    it('makes the user a member and subscribes before reading the seq', async () => {
      const list = repository.addList(ann, 'private');
      await sut.joinList(bob, { listId: list.id, inviteCode: 'code' }, () => repository.log.push('subscribe'));
      expect(repository.log).toEqual(['addMember', 'subscribe', 'currentSeq']);
      expect(await repository.isMember(list.id, bob.id)).toBe(true);
    });

    it('answers the missed changes within the window, a snapshot beyond it or ahead of it', async () => {
      const list = repository.addList(ann);
      repository.seq = 1_005;
      const recent = await sut.joinList(ann, { listId: list.id, sinceSeq: 1_000 }, () => undefined);
      expect(recent).toMatchObject({ seq: 1_005, changes: expect.any(Array) });
      expect('changes' in recent && recent.changes.map((change) => change.seq)).toEqual([
        1_001, 1_002, 1_003, 1_004, 1_005,
      ]);
      expect(await sut.joinList(ann, { listId: list.id, sinceSeq: 2 }, () => undefined)).toMatchObject({
        snapshot: true,
        items: [],
      });
      expect(await sut.joinList(ann, { listId: list.id, sinceSeq: 2_000 }, () => undefined)).toMatchObject({
        snapshot: true,
      });
    });

    it('answers NOT_FOUND for a deleted list', async () => {
      const list = repository.addList(ann);
      list.deletedAt = new Date().toISOString();
      expect((await refusal(sut.joinList(ann, { listId: list.id }, () => undefined))).code).toBe(ErrorCode.NotFound);
    });
  });

  describe('deleteList', () => {
    it('lets only the owner delete', async () => {
      const list = repository.addList(ann);
      repository.members.add(`${list.id}/${bob.id}`);
      expect((await refusal(sut.deleteList(bob, { opId: randomUUID(), listId: list.id }))).code).toBe(
        ErrorCode.Forbidden,
      );
      expect(await sut.deleteList(ann, { opId: randomUUID(), listId: list.id })).toEqual({ listId: list.id });
      // Then the directory is told, with the list's seq.
      expect(repository.log).toEqual([`deleteList ${list.id}`, 'currentSeq']);
    });
  });

  describe('createItem', () => {
    it('appends after the last live item', async () => {
      const list = repository.addList(ann);
      repository.addItem(list.id, 'a', 'a0');
      repository.addItem(list.id, 'gone', 'a5', true);
      const { item } = await sut.createItem(ann, { opId: randomUUID(), listId: list.id, text: 'b' });
      expect(item.position).toBe(keyBetween('a0', null));
    });

    it('refuses a user who is not a member', async () => {
      const list = repository.addList(ann);
      expect((await refusal(sut.createItem(bob, { opId: randomUUID(), listId: list.id, text: 'b' }))).code).toBe(
        ErrorCode.Forbidden,
      );
    });
  });

  describe('updateItem', () => {
    it('refuses a stale version with CONFLICT carrying the stored item, writing nothing', async () => {
      const list = repository.addList(ann);
      const row = repository.addItem(list.id, 'milk', 'a0');
      row.version = 3;
      row.updatedById = bob.id;
      const error = await refusal(
        sut.updateItem(ann, { opId: randomUUID(), itemId: row.id, version: 2, patch: { done: true } }),
      );
      expect(error.code).toBe(ErrorCode.Conflict);
      expect(error.message).toContain('bob');
      expect(error.details).toEqual({ current: await repository.findItem(row.id) });
      expect(repository.log).toEqual([]);
    });

    it('refuses with CONFLICT when the atomic write finds the item moved on', async () => {
      const list = repository.addList(ann);
      const row = repository.addItem(list.id, 'milk', 'a0');
      const write = repository.writeItemIfCurrent.bind(repository);
      repository.writeItemIfCurrent = async (context, planned) => {
        row.version = 2; // another writer got in between the check and the write
        return write(context, planned);
      };
      const error = await refusal(
        sut.updateItem(ann, { opId: randomUUID(), itemId: row.id, version: 1, patch: { text: 'x' } }),
      );
      expect(error.code).toBe(ErrorCode.Conflict);
      expect((error.details as { current: Item }).current.version).toBe(2);
    });

    it('refuses a deleted item with CONFLICT', async () => {
      const list = repository.addList(ann);
      const row = repository.addItem(list.id, 'milk', 'a0', true);
      const error = await refusal(
        sut.updateItem(ann, { opId: randomUUID(), itemId: row.id, version: 1, patch: { done: true } }),
      );
      expect(error.code).toBe(ErrorCode.Conflict);
      expect(error.message).toContain('deleted');
    });

    it('keeps live keys unique when a patch names a taken position', async () => {
      const list = repository.addList(ann);
      repository.addItem(list.id, 'a', 'a0');
      repository.addItem(list.id, 'b', 'a1');
      const moving = repository.addItem(list.id, 'c', 'a2');
      const { item } = await sut.updateItem(ann, {
        opId: randomUUID(),
        itemId: moving.id,
        version: 1,
        patch: { position: 'a0' },
      });
      expect(item.position).toBe(keyBetween('a0', 'a1'));
    });

    it('answers NOT_FOUND for an unknown item', async () => {
      const error = await refusal(
        sut.updateItem(ann, { opId: randomUUID(), itemId: randomUUID(), version: 1, patch: { done: true } }),
      );
      expect(error.code).toBe(ErrorCode.NotFound);
    });
  });

  describe('moveItem', () => {
    let listId: string;
    let rows: ItemRow[];

    beforeEach(() => {
      listId = repository.addList(ann).id;
      rows = ['a0', 'a1', 'a2', 'a3'].map((position, i) => repository.addItem(listId, `item ${i}`, position));
    });

    const move = (row: ItemRow, neighbours: { afterId?: string | null; beforeId?: string | null }) =>
      sut.moveItem(ann, { opId: randomUUID(), itemId: row.id, version: row.version, ...neighbours });

    it('goes between afterId and its current successor', async () => {
      const { item } = await move(rows[3]!, { afterId: rows[0]!.id, beforeId: rows[1]!.id });
      expect(item.position).toBe(keyBetween('a0', 'a1'));
    });

    it('follows afterId when the gap the client saw has been filled meanwhile', async () => {
      const first = await move(rows[3]!, { afterId: rows[0]!.id, beforeId: rows[1]!.id });
      const { item } = await move(rows[2]!, { afterId: rows[0]!.id, beforeId: rows[1]!.id });
      expect(item.position > 'a0' && item.position < first.item.position).toBe(true);
    });

    it('goes right before beforeId when no afterId is given, and to the ends on null', async () => {
      expect((await move(rows[0]!, { beforeId: rows[3]!.id })).item.position).toBe(keyBetween('a2', 'a3'));
      expect((await move(rows[1]!, { afterId: null })).item.position).toBe(keyBetween(null, 'a2'));
      expect((await move(rows[2]!, { beforeId: null })).item.position).toBe(keyBetween('a3', null));
    });

    it('refuses a deleted neighbour with CONFLICT and a foreign one with NOT_FOUND', async () => {
      const deleted = repository.addItem(listId, 'gone', 'a5', true);
      const otherList = repository.addList(ann).id;
      const foreign = repository.addItem(otherList, 'elsewhere', 'a0');
      const conflict = await refusal(move(rows[0]!, { afterId: deleted.id }));
      expect(conflict.code).toBe(ErrorCode.Conflict);
      expect(conflict.details).toEqual({ current: await repository.findItem(rows[0]!.id) });
      expect((await refusal(move(rows[0]!, { beforeId: foreign.id }))).code).toBe(ErrorCode.NotFound);
      expect(repository.log).toEqual([]);
    });
  });

  describe('restoreItem', () => {
    it('puts the item back at its key, or right after it when the key was taken', async () => {
      const listId = repository.addList(ann).id;
      repository.addItem(listId, 'a', 'a0');
      const deleted = repository.addItem(listId, 'b', 'a1', true);
      repository.addItem(listId, 'c', 'a1');
      repository.addItem(listId, 'd', 'a2');
      const { item } = await sut.restoreItem(ann, { opId: randomUUID(), itemId: deleted.id, version: 1 });
      expect(item.position).toBe(keyBetween('a1', 'a2'));
      expect(item.deletedAt).toBeUndefined();
    });

    it('refuses an item that is not deleted', async () => {
      const listId = repository.addList(ann).id;
      const row = repository.addItem(listId, 'a', 'a0');
      const error = await refusal(sut.restoreItem(ann, { opId: randomUUID(), itemId: row.id, version: 1 }));
      expect(error.code).toBe(ErrorCode.Conflict);
    });
  });
});
