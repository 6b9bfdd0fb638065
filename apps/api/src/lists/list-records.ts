import type { Item, ListsBroadcast, User } from '@tandem/contract';
import type { Selectable } from 'kysely';
import { isoTimestamp } from '../db/dialect.js';
import type { Item as ItemTable } from '../generated/kysely/database.js';

// What the lists' rules see of their rows, and what an item write may change.

export type ItemRow = Selectable<ItemTable>;

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
  deleted?: boolean;
}

/** An item as a write finds it: what the rules look at, and the stored row the write starts from. */
export interface ItemState {
  listId: string;
  version: number;
  position: string;
  deleted: boolean;
  readonly stored: ItemRow;
}

/** An item as a versioned write finds it, with its list's state for the user writing (see `findItemsForMembers`). */
export interface ItemForWrite {
  state: ItemState;
  list: { deleted: boolean; member: boolean };
}

/** What the rules see of a stored item. */
export function itemStateOf(row: ItemRow): ItemState {
  return {
    listId: row.listId,
    version: row.version,
    position: row.position,
    deleted: row.deletedAt !== null,
    stored: row,
  };
}

/** The columns `changes` writes, at `now` (the version and who wrote it follow apart). */
export function changedColumns(changes: ItemChanges, now: string): Partial<ItemRow> {
  const { text, done, position, deleted } = changes;
  return {
    ...(text !== undefined ? { text } : {}),
    ...(done !== undefined ? { done: done ? 1 : 0 } : {}),
    ...(position !== undefined ? { position } : {}),
    ...(deleted !== undefined ? { deletedAt: deleted ? now : null } : {}),
  };
}

/** A stored item as the contract has it; `user` names the users it refers to. */
export function toItem(row: ItemRow, user: (userId: string) => User): Item {
  return {
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
  };
}
