import { describe, expect, it } from '@jest/globals';
import type { Item, User } from '@tandem/contract';
import {
  byPosition,
  confirmItem,
  conflictFor,
  followersOf,
  projectItems,
  rebaseOnAck,
  type Operation,
  type PendingOperation,
} from './list.js';

const ada: User = { id: 'u-ada', name: 'Ada' };
const bob: User = { id: 'u-bob', name: 'Bob' };
const item = (id: string, position: string, version = 1, fields: Partial<Item> = {}): Item => ({
  id,
  listId: 'l1',
  text: id,
  done: false,
  position,
  version,
  createdBy: ada,
  updatedBy: ada,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...fields,
});
const pendingOf = (operation: Operation, opId: string): PendingOperation => ({ ...operation, opId, status: 'queued' });

describe('confirmItem', () => {
  it('takes a newer version and keeps the held one against an older', () => {
    const held = { a: item('a', 'a0', 3) };
    expect(confirmItem(held, item('a', 'a0', 2))).toBe(held);
    expect(confirmItem(held, item('a', 'a1', 4)).a?.position).toBe('a1');
  });

  it('removes a deleted item', () => {
    expect(confirmItem({ a: item('a', 'a0') }, item('a', 'a0', 2, { deletedAt: 'x' }))).toEqual({});
  });
});

describe('projectItems', () => {
  const confirmed = { a: item('a', 'a0'), b: item('b', 'a1') };

  it('applies pending changes optimistically, in list order', () => {
    const shown = projectItems(
      confirmed,
      [
        pendingOf({ kind: 'create', listId: 'l1', tempId: 'pending:1', text: 'milk', position: 'a2' }, 'o1'),
        pendingOf({ kind: 'update', itemId: 'a', version: 1, patch: { done: true } }, 'o2'),
        pendingOf({ kind: 'move', itemId: 'b', version: 1, position: 'Zz' }, 'o3'),
      ],
      'l1',
      ada,
    );
    expect(shown.map((entry) => [entry.id, entry.done, entry.saving])).toEqual([
      ['b', false, true],
      ['a', true, true],
      ['pending:1', false, true],
    ]);
  });

  it('hides a pending delete and shows a pending restore', () => {
    const deleted = projectItems(confirmed, [pendingOf({ kind: 'delete', itemId: 'a', version: 1 }, 'o1')], 'l1', ada);
    expect(deleted.map((entry) => entry.id)).toEqual(['b']);
    const gone = item('c', 'a5', 2, { deletedAt: 'x' });
    const restored = projectItems(
      confirmed,
      [pendingOf({ kind: 'restore', itemId: 'c', version: 2, item: gone }, 'o2')],
      'l1',
      ada,
    );
    expect(restored.find((entry) => entry.id === 'c')).toEqual(expect.not.objectContaining({ deletedAt: 'x' }));
  });

  it('rolls back by leaving a refused change out', () => {
    expect(projectItems(confirmed, [], 'l1', ada).every((entry) => !entry.saving)).toBe(true);
  });
});

describe('rebaseOnAck', () => {
  it('names a created item by its id in the changes made on it before it had one', () => {
    const create: Operation = { kind: 'create', listId: 'l1', tempId: 'pending:1', text: 'milk', position: 'a2' };
    const later = [
      pendingOf({ kind: 'update', itemId: 'pending:1', version: 0, patch: { done: true } }, 'o2'),
      pendingOf({ kind: 'move', itemId: 'b', version: 1, position: 'a3', afterId: 'pending:1' }, 'o3'),
    ];
    const rebased = rebaseOnAck(create, item('real', 'a2', 1), later);
    expect(rebased).toEqual([
      expect.objectContaining({ opId: 'o2', itemId: 'real', version: 1 }),
      expect.objectContaining({ opId: 'o3', afterId: 'real' }),
    ]);
  });

  it('moves a later change on the same item to the version the ack gave', () => {
    const done: Operation = { kind: 'update', itemId: 'a', version: 1, patch: { text: 'x' } };
    const later = [pendingOf({ kind: 'update', itemId: 'a', version: 1, patch: { done: true } }, 'o2')];
    expect(rebaseOnAck(done, item('a', 'a0', 2), later)).toEqual([expect.objectContaining({ version: 2 })]);
  });
});

describe('conflictFor', () => {
  const refused: Operation = { kind: 'update', itemId: 'a', version: 1, patch: { text: 'oat milk' } };

  it('offers the wanted change again, merged with the ones queued behind it', () => {
    const followers = followersOf(refused, 'a', [
      pendingOf({ kind: 'update', itemId: 'a', version: 1, patch: { done: true } }, 'o2'),
    ]);
    const conflict = conflictFor(refused, followers, item('a', 'a0', 2, { updatedBy: bob }), ada);
    expect(conflict.message).toBe('Changed by Bob — showing the current text; your edit: “oat milk”');
    expect(conflict.retry).toEqual({ ...refused, patch: { text: 'oat milk', done: true } });
  });

  it('cannot reapply on a deleted item', () => {
    const conflict = conflictFor(refused, [], item('a', 'a0', 2, { updatedBy: bob, deletedAt: 'x' }), ada);
    expect(conflict.message).toMatch(/^Deleted by Bob/);
    expect(conflict.retry).toBeNull();
  });
});

describe('byPosition', () => {
  it('orders by key, then id', () => {
    expect([item('b', 'a0'), item('a', 'a0'), item('c', 'Z')].sort(byPosition).map((entry) => entry.id)).toEqual([
      'c',
      'a',
      'b',
    ]);
  });
});
