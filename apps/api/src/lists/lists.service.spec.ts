import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { ErrorCode, keyBetween, type Item } from '@tandem/contract';
import type { DomainError } from '../common/domain-error.js';
import type { UnitOfWork } from '../db/database.service.js';
import type { Sql } from '../db/sql.js';
import type { UnitsOfWork } from '../db/units-of-work.js';
import type { ItemRow } from './list-records.js';
import { InMemoryLists, ann, bob } from './lists.fake.js';
import type { ListsRepository } from './lists.repository.js';
import { ListsService } from './lists.service.js';
import { DomainEvents } from '../common/domain-events.js';
import type { SpacesRepository } from '../spaces/spaces.repository.js';
import { PinAttempts } from '../spaces/pin-attempts.js';
import type { SpacePinsRepository } from '../spaces/space-pins.repository.js';
import { SpacesService } from '../spaces/spaces.service.js';

/** Runs the work at once, as the real one does inside a transaction (retries are its own spec). */
const context: UnitOfWork = {
  sql: {} as Sql,
  publishAfterCommit: () => undefined,
  published: () => [],
  beforeCommit: () => undefined,
  gather: () => Promise.reject(new Error('no reads here')),
  take: () => Promise.reject(new Error('no seqs here')),
  shared: (make) => make(),
};
const writes = {
  write: <T>(work: (context: UnitOfWork) => Promise<T>) => work(context),
  once: async <T>(
    _: string,
    __: string,
    ___: string,
    work: (context: UnitOfWork) => Promise<T>,
    options?: { check?: (context: UnitOfWork) => Promise<unknown> },
  ) => {
    await options?.check?.(context);
    return work(context);
  },
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
  let repository: InMemoryLists;
  let sut: ListsService;

  beforeEach(() => {
    repository = new InMemoryLists();
    const spaceRecords = repository as unknown as SpacesRepository;
    // Lists have no PINs: the PIN repository is never reached.
    const noPins = {} as SpacePinsRepository;
    const spaces = new SpacesService(spaceRecords, writes, new DomainEvents(), noPins, new PinAttempts());
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
      expect(repository.log).toEqual(['addMember', 'subscribe', 'listWithItems']);
      repository.log.length = 0;
      await sut.joinList(bob, { listId: list.id, sinceSeq: 0 }, () => repository.log.push('subscribe'));
      expect(repository.log).toEqual(['subscribe', 'currentSeq']);
      expect(repository.members.has(`${list.id}/${bob.id}`)).toBe(true);
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
      expect(repository.log).toEqual([`markDeleted ${list.id}`, `appendListDeleted ${list.id}`, 'currentSeq']);
    });
  });

  describe('createItem', () => {
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

    it('refuses a non-member (FORBIDDEN) and a deleted list (NOT_FOUND) before the version, showing no item', async () => {
      const list = repository.addList(ann);
      const row = repository.addItem(list.id, 'milk', 'a0');
      const stale = { opId: randomUUID(), itemId: row.id, version: 7, patch: { done: true } };
      const forbidden = await refusal(sut.updateItem(bob, stale));
      expect(forbidden.code).toBe(ErrorCode.Forbidden);
      expect(forbidden.details).toBeUndefined();
      repository.lists.get(list.id)!.deletedAt = new Date().toISOString();
      const gone = await refusal(sut.updateItem(ann, { ...stale, opId: randomUUID() }));
      expect(gone.code).toBe(ErrorCode.NotFound);
      expect(gone.message).toContain('list');
      expect(repository.log).toEqual([]);
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
