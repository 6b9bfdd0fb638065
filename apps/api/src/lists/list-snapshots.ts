import type { Item } from '@tandem/contract';
import { encodedOnce } from '../common/encoded-once.js';
import type { SpaceRecord } from '../spaces/spaces.repository.js';
import type { ItemRow } from './list-records.js';
import type { listWithItems } from './lists.queries.js';

/** A row of `listWithItems`. */
export type SnapshotRow = NonNullable<ReturnType<typeof listWithItems>['row']>;

/** At most this many items are kept, over all lists; past it, every kept list is dropped. */
const itemsKept = 20_000;

/**
 * The live items of the lists read last, each at the seq it was read at: a read that finds its
 * list still at that seq gets them without reading and converting them again (`listWithItems`
 * leaves them out then), and their JSON, made once, is spliced into every answer that holds them
 * (see `encodedOnce`). The kept items never change: a change to an item moves its list's seq.
 */
export class KeptItems {
  private readonly lists = new Map<string, { seq: number; items: readonly Item[] }>();
  private count = 0;

  /** The list's kept items and the seq they are at, if any are kept. */
  of(listId: string): { seq: number; items: readonly Item[] } | undefined {
    return this.lists.get(listId);
  }

  /** Keeps the list's items at `seq` (their JSON made on first use), and returns them. */
  keep(listId: string, seq: number, items: Item[]): Item[] {
    const shared = encodedOnce(items);
    const previous = this.lists.get(listId);
    if (previous) this.count -= previous.items.length;
    if (this.count + items.length > itemsKept) {
      this.lists.clear();
      this.count = 0;
    }
    if (items.length <= itemsKept) {
      this.lists.set(listId, { seq, items: shared });
      this.count += items.length;
    }
    return shared;
  }
}

/** The list's record and its items' rows (unordered), from the rows of `listWithItems`. */
export function snapshotOf(rows: SnapshotRow[]): { record: SpaceRecord; items: ItemRow[] } {
  const { id, name, visibility, inviteCode, ownerId, createdAt, deletedAt } = rows[0]!;
  const items: ItemRow[] = [];
  for (const row of rows) {
    if (row.itemId === null) continue;
    items.push({
      id: row.itemId,
      listId: id,
      text: row.itemText!,
      done: row.itemDone!,
      position: row.itemPosition!,
      version: row.itemVersion!,
      createdById: row.itemCreatedById!,
      updatedById: row.itemUpdatedById!,
      createdAt: row.itemCreatedAt!,
      updatedAt: row.itemUpdatedAt!,
      deletedAt: null,
    });
  }
  const record = { id, name, visibility: visibility as SpaceRecord['visibility'], inviteCode, ownerId, createdAt };
  return { record: { ...record, deletedAt }, items };
}
