import { keyBetween, type Item, type ItemPatch, type User } from '@tandem/contract';
import type { UndoDirection } from '../undo-history.js';

/**
 * A change made here and not yet acknowledged: shown at once, sent in order, dropped on its ack.
 * `was`: what an update or move replaces, for its undo; `step`: the undo or redo it is.
 */
export type Operation = (
  | { kind: 'create'; listId: string; tempId: string; text: string; position: string }
  | { kind: 'update'; itemId: string; version: number; patch: ItemPatch; was?: ItemPatch }
  | { kind: 'delete'; itemId: string; version: number }
  | { kind: 'restore'; itemId: string; version: number; item: Item }
  | {
      kind: 'move';
      itemId: string;
      version: number;
      /** Where it is shown until the server answers; the server computes the stored key. */
      position: string;
      afterId?: string | null;
      beforeId?: string | null;
      was?: ItemPatch;
    }
) & { step?: { direction: UndoDirection; stepId: number } };

/** An operation with its place in the outbox. */
export type PendingOperation = Operation & { opId: string; status: 'queued' | 'sending' | 'failed' };

/** An item as shown: the server's, with this user's unconfirmed changes applied. */
export interface ItemView extends Item {
  /** Some change made here is not confirmed yet (or the item is not created yet). */
  saving: boolean;
}

/** A write of this user that lost a race: what is shown now, and what they had wanted. */
export interface ItemConflict {
  itemId: string;
  message: string;
  /** The same change again, against the current version; null when it cannot apply (deleted). */
  retry: Operation | null;
}

export const temporaryPrefix = 'pending:';

/** List order, as the server defines it: keys compared as plain strings, then ids. */
export function byPosition(a: Item, b: Item): number {
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A key between two shown neighbours, or null when they leave no room (the server decides then). */
export function keyBetweenShown(before: Item | null, after: Item | null): string | null {
  try {
    return keyBetween(before?.position ?? null, after?.position ?? null);
  } catch {
    return null;
  }
}

export function quote(text: string): string {
  return `“${text.length > 80 ? `${text.slice(0, 79)}…` : text}”`;
}

/** What a change wanted, in words, for a conflict message. */
export function describe(operation: Operation): string {
  switch (operation.kind) {
    case 'update': {
      const { text, done, position } = operation.patch;
      if (text !== undefined) return `your edit: ${quote(text)}`;
      if (done !== undefined) return `your change: mark it ${done ? 'done' : 'not done'}`;
      return position !== undefined ? 'your change: move it' : 'your change';
    }
    case 'delete':
      return 'your change: delete it';
    case 'move':
      return 'your change: move it';
    case 'restore':
      return 'your change: restore it';
    case 'create':
      return 'your new item';
  }
}

/** Takes the server's item if it is newer than the one held (a deleted item leaves). */
export function confirmItem(confirmed: Readonly<Record<string, Item>>, item: Item): Record<string, Item> {
  const held = confirmed[item.id];
  if (held && held.version > item.version) return confirmed;
  const next = { ...confirmed };
  if (item.deletedAt) delete next[item.id];
  else next[item.id] = item;
  return next;
}

/** The open list as shown (optimistic apply): the server's items with this user's unconfirmed changes, in order. */
export function projectItems(
  confirmed: Readonly<Record<string, Item>>,
  pending: readonly PendingOperation[],
  listId: string | null,
  me: User,
): ItemView[] {
  const shown = new Map<string, ItemView>();
  for (const item of Object.values(confirmed)) shown.set(item.id, { ...item, saving: false });
  for (const operation of pending) {
    switch (operation.kind) {
      case 'create':
        if (operation.listId !== listId) break;
        shown.set(operation.tempId, {
          id: operation.tempId,
          listId: operation.listId,
          text: operation.text,
          done: false,
          position: operation.position,
          version: 0,
          createdBy: me,
          updatedBy: me,
          createdAt: '',
          updatedAt: '',
          saving: true,
        });
        break;
      case 'update': {
        const item = shown.get(operation.itemId);
        if (item) shown.set(item.id, { ...item, ...operation.patch, saving: true });
        break;
      }
      case 'delete':
        shown.delete(operation.itemId);
        break;
      case 'restore':
        if (operation.item.listId === listId) {
          const restored: ItemView = { ...operation.item, saving: true };
          delete restored.deletedAt;
          shown.set(operation.itemId, restored);
        }
        break;
      case 'move': {
        const item = shown.get(operation.itemId);
        if (item) shown.set(item.id, { ...item, position: operation.position, saving: true });
        break;
      }
    }
  }
  return [...shown.values()].sort(byPosition);
}

/**
 * Later changes of this user to the same item were made on top of `done`'s result: they name
 * the created item's id, and the version the server gave. Returns the changed operations only.
 */
export function rebaseOnAck(done: Operation, item: Item, later: readonly PendingOperation[]): PendingOperation[] {
  const changed: PendingOperation[] = [];
  for (const next of later) {
    let rebased: PendingOperation = next;
    if (done.kind === 'create') {
      // Made on the item before it had its id: they name it now.
      if ('itemId' in rebased && rebased.itemId === done.tempId) {
        rebased = { ...rebased, itemId: item.id, version: item.version };
      }
      if (rebased.kind === 'move' && rebased.afterId === done.tempId) rebased = { ...rebased, afterId: item.id };
      if (rebased.kind === 'move' && rebased.beforeId === done.tempId) rebased = { ...rebased, beforeId: item.id };
    } else if (
      'itemId' in rebased &&
      'version' in done &&
      rebased.itemId === item.id &&
      rebased.version === done.version
    ) {
      rebased = { ...rebased, version: item.version };
    }
    if (rebased !== next) changed.push(rebased);
  }
  return changed;
}

/** The changes queued behind a refused one on the same item, made on the state it would have produced. */
export function followersOf(
  refused: Operation,
  itemId: string,
  later: readonly PendingOperation[],
): PendingOperation[] {
  return later.filter(
    (next) => 'itemId' in next && next.itemId === itemId && 'version' in refused && next.version === refused.version,
  );
}

/**
 * What a conflict shows (`current` is the item as the server found it; `confirm` keeps the newer of it and the copy): the change the user wanted (the
 * refused one merged with its followers), and whether it can be applied again.
 */
export function conflictFor(
  refused: Operation,
  followers: readonly Operation[],
  current: Item,
  me: User,
): ItemConflict {
  const wanted = followers.reduce<Operation>(
    (merged, next) =>
      merged.kind === 'update' && next.kind === 'update'
        ? { ...merged, patch: { ...merged.patch, ...next.patch } }
        : next,
    refused,
  );
  const itemId = current.id;
  const by = current.updatedBy.id === me.id ? 'you, in another tab' : current.updatedBy.name;
  if (current.deletedAt) {
    return { itemId, message: `Deleted by ${by} — ${describe(wanted)} was not applied`, retry: null };
  }
  if (wanted.kind === 'restore') return { itemId, message: `Already restored by ${by}`, retry: null };
  const shown = wanted.kind === 'update' && wanted.patch.text !== undefined ? 'the current text' : 'the current item';
  return { itemId, message: `Changed by ${by} — showing ${shown}; ${describe(wanted)}`, retry: wanted };
}
