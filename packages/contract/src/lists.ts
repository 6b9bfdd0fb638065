import { z } from 'zod';
import type { AckCallback } from './ack.js';
import type { SessionClientEvents, SessionServerEvents } from './auth.js';
import {
  Limits,
  displayName,
  id,
  inviteCode,
  opId,
  seq,
  visibility,
  type ChangeOf,
  type User,
  type Visibility,
} from './common.js';
import type { DirectoryServerEvents } from './spaces.js';
import { isOrderKey } from './fractional-index.js';

/** Commands of the `/lists` namespace: client → server, each answered with an `Ack`. */
export const ListsCommand = {
  ListCreate: 'list:create',
  ListList: 'list:list',
  ListJoin: 'list:join',
  ListLeave: 'list:leave',
  ListRename: 'list:rename',
  ListDelete: 'list:delete',
  ItemCreate: 'item:create',
  ItemUpdate: 'item:update',
  ItemDelete: 'item:delete',
  ItemRestore: 'item:restore',
  ItemMove: 'item:move',
} as const;
export type ListsCommand = (typeof ListsCommand)[keyof typeof ListsCommand];

/** Server → client events of `/lists`: every one is a logged change carrying the list's `seq`. */
export const ListsBroadcast = {
  ListUpdated: 'list:updated',
  ListDeleted: 'list:deleted',
  ItemCreated: 'item:created',
  ItemUpdated: 'item:updated',
  ItemDeleted: 'item:deleted',
  ItemRestored: 'item:restored',
  ItemMoved: 'item:moved',
} as const;
export type ListsBroadcast = (typeof ListsBroadcast)[keyof typeof ListsBroadcast];

/** Read-only HTTP mirror of `/lists`, for scripts (`Authorization: Bearer <token>`). */
export const ListsRoute = {
  Lists: '/api/lists',
  List: '/api/lists/:listId',
} as const;

/** The path of one list in the HTTP mirror. */
export function listPath(listId: string): string {
  return `${ListsRoute.Lists}/${encodeURIComponent(listId)}`;
}

/** An order key longer than this is refused in `patch.position` (the server's own keys stay far shorter). */
export const orderKeyMaxLength = 1_000;

// ---- entities -------------------------------------------------------------------------------

export interface List {
  id: string;
  title: string;
  ownerId: string;
  visibility: Visibility;
  /** The last `seq` of the list's change stream. */
  seq: number;
  createdAt: string;
  /** Only for the list's members, and only for private lists. */
  inviteCode?: string;
}

export interface Item {
  id: string;
  listId: string;
  text: string;
  done: boolean;
  /** Fractional-index order key: items sort by it as plain strings (ties, if any, by `id`). */
  position: string;
  /** 1 when created; every accepted write adds one. Writes name the version they saw. */
  version: number;
  createdBy: User;
  /** Who made the last accepted write (what a `CONFLICT` message names). */
  updatedBy: User;
  createdAt: string;
  updatedAt: string;
  /** Set while the item is deleted; `item:restore` clears it. */
  deletedAt?: string;
}

// ---- command payloads -----------------------------------------------------------------------

const itemText = z.string().trim().min(1, 'must not be empty').max(Limits.itemText);
const version = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
export const orderKey = z
  .string()
  .max(orderKeyMaxLength)
  .refine(isOrderKey, 'must be an order key (base-62, as produced by keyBetween)');

const itemPatch = z
  .strictObject({ text: itemText.optional(), done: z.boolean().optional(), position: orderKey.optional() })
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), 'patch must change at least one field');

export const listsCommandSchemas = {
  [ListsCommand.ListCreate]: z.strictObject({ title: displayName, visibility: visibility.optional() }),
  [ListsCommand.ListList]: z.strictObject({}),
  [ListsCommand.ListJoin]: z.strictObject({
    listId: id,
    sinceSeq: seq.optional(),
    inviteCode: inviteCode.optional(),
  }),
  [ListsCommand.ListLeave]: z.strictObject({ listId: id }),
  [ListsCommand.ListRename]: z.strictObject({ opId, listId: id, title: displayName }),
  [ListsCommand.ListDelete]: z.strictObject({ opId, listId: id }),
  [ListsCommand.ItemCreate]: z.strictObject({ opId, listId: id, text: itemText }),
  [ListsCommand.ItemUpdate]: z.strictObject({ opId, itemId: id, version, patch: itemPatch }),
  [ListsCommand.ItemDelete]: z.strictObject({ opId, itemId: id, version }),
  [ListsCommand.ItemRestore]: z.strictObject({ opId, itemId: id, version }),
  [ListsCommand.ItemMove]: z
    .strictObject({
      opId,
      itemId: id,
      version,
      /** The item it goes right after; null: the start of the list. */
      afterId: id.nullable().optional(),
      /** The item it goes right before; null: the end of the list. */
      beforeId: id.nullable().optional(),
    })
    .refine((move) => move.afterId !== undefined || move.beforeId !== undefined, {
      message: 'name a neighbour: afterId (null for the start) or beforeId (null for the end)',
      path: ['afterId'],
    })
    .refine((move) => move.afterId !== move.itemId && move.beforeId !== move.itemId, {
      message: 'an item cannot be its own neighbour',
      path: ['itemId'],
    }),
} as const;

type Schemas = typeof listsCommandSchemas;
/** A command's payload as the server sees it after parsing. */
export type ListsInput<C extends ListsCommand> = z.output<Schemas[C]>;
export type ItemPatch = z.input<typeof itemPatch>;

// ---- broadcasts -----------------------------------------------------------------------------

export interface ItemChanged {
  listId: string;
  seq: number;
  item: Item;
}
export interface ListUpdated {
  listId: string;
  seq: number;
  list: List;
}
export interface ListDeleted {
  listId: string;
  seq: number;
}

/** Persisted broadcasts, replayed by a resync: the `event` of a lists `Change`. */
export interface ListsChangeEvents {
  [ListsBroadcast.ListUpdated]: ListUpdated;
  [ListsBroadcast.ListDeleted]: ListDeleted;
  [ListsBroadcast.ItemCreated]: ItemChanged;
  [ListsBroadcast.ItemUpdated]: ItemChanged;
  [ListsBroadcast.ItemDeleted]: ItemChanged;
  [ListsBroadcast.ItemRestored]: ItemChanged;
  [ListsBroadcast.ItemMoved]: ItemChanged;
}
export type ListChange = ChangeOf<ListsChangeEvents>;

// ---- command results ------------------------------------------------------------------------

export interface ListSnapshot {
  list: List;
  seq: number;
  /** The items not deleted, in list order. */
  items: Item[];
}
/** `list:join` with `sinceSeq`: the missed changes in order, or a snapshot when the gap is too old. */
export type ListResync = { list: List; seq: number; changes: ListChange[] } | (ListSnapshot & { snapshot: true });
export type ListJoined = ListSnapshot | ListResync;

/** `error.details` of a `CONFLICT` on an item: the item as stored now. */
export interface ItemConflictDetails {
  current: Item;
}

export interface ListsCommandResults {
  [ListsCommand.ListCreate]: { list: List };
  [ListsCommand.ListList]: { lists: List[] };
  [ListsCommand.ListJoin]: ListJoined;
  [ListsCommand.ListLeave]: { listId: string };
  [ListsCommand.ListRename]: { list: List };
  [ListsCommand.ListDelete]: { listId: string };
  [ListsCommand.ItemCreate]: { item: Item };
  [ListsCommand.ItemUpdate]: { item: Item };
  [ListsCommand.ItemDelete]: { item: Item };
  [ListsCommand.ItemRestore]: { item: Item };
  [ListsCommand.ItemMove]: { item: Item };
}

// ---- typed Socket.IO event maps -------------------------------------------------------------

export type ListsClientEvents = SessionClientEvents & {
  [C in ListsCommand]: (payload: z.input<Schemas[C]>, ack: AckCallback<ListsCommandResults[C]>) => void;
};

export type ListsServerEvents = SessionServerEvents &
  DirectoryServerEvents & {
    [E in ListsBroadcast]: (payload: ListsChangeEvents[E]) => void;
  };
