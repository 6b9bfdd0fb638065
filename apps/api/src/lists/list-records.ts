import type { ListsBroadcast } from '@tandem/contract';
import type { Selectable } from 'kysely';
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
