/** A client's copy of a list, kept from the protocol alone, to compare with what the server holds. */
import { ListsBroadcast, type Item, type ItemChanged, type ListChange, type ListSnapshot } from '@tandem/contract';
import type { Socket } from 'socket.io-client';

/** List order: by key as plain strings, then by id. */
export function inListOrder(items: Iterable<Item>): Item[] {
  return [...items].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : a.id < b.id ? -1 : 1));
}

/**
 * A client's copy of a list, kept the way a client that speaks only the protocol keeps it:
 * apply each change once, in seq order, dropping those it already has.
 */
export class ListCopy {
  readonly items = new Map<string, Item>();
  seq = 0;

  constructor(snapshot: ListSnapshot) {
    this.seq = snapshot.seq;
    for (const item of snapshot.items) this.items.set(item.id, item);
  }

  apply(event: string, data: unknown): void {
    const change = data as { seq: number };
    if (change.seq <= this.seq) return;
    if (change.seq !== this.seq + 1) throw new Error(`gap: have ${this.seq}, got ${change.seq}`);
    this.seq = change.seq;
    const { item } = data as ItemChanged;
    switch (event) {
      case ListsBroadcast.ItemCreated:
      case ListsBroadcast.ItemUpdated:
      case ListsBroadcast.ItemMoved:
      case ListsBroadcast.ItemRestored:
        this.items.set(item.id, item);
        break;
      case ListsBroadcast.ItemDeleted:
        this.items.delete(item.id);
        break;
      default:
        break;
    }
  }

  applyAll(changes: ListChange[]): void {
    for (const change of changes) this.apply(change.event, change.data);
  }

  /** Follows the list's broadcasts on a socket from now on. */
  follow(socket: Socket): this {
    socket.onAny((event: string, data: unknown) => {
      if ((data as { listId?: string } | undefined)?.listId !== undefined) this.apply(event, data);
    });
    return this;
  }

  ordered(): Item[] {
    return inListOrder(this.items.values());
  }
}

/** What the wire says about items, reduced to what is stored. */
export function essentials(items: Item[]) {
  return items.map(({ id, text, done, position, version }) => ({ id, text, done, position, version }));
}
