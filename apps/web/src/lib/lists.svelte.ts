import type { ItemView, ListsFeature, ListsState, PendingOperation } from '@tandem/client';
import type { Item, List, Namespace } from '@tandem/contract';
import { SpaceBinding } from './spaces.svelte.js';
import { UndoBinding } from './undo.svelte.js';

export type { ItemConflict, ItemView, UndoOffer } from '@tandem/client';

/**
 * The `/lists` feature of the client core as the views see it: the lists, the open list's items
 * with this user's unconfirmed changes applied, conflicts and the undo offer. Lives for the whole
 * session: a change made offline is sent on reconnecting, whatever view is shown then.
 */
export class ListsManager extends SpaceBinding<typeof Namespace.Lists, ListsState, List, ListsFeature> {
  readonly kind = 'list';
  readonly currentId: string | null = $derived(this.state.currentListId);
  readonly space: List | null = $derived(this.state.list);
  readonly syncing: boolean = $derived(this.state.joining);
  /** This user's changes not acknowledged yet. */
  readonly pending: PendingOperation[] = $derived.by(() => this.feature.pending(this.entries.current));
  /** The open list as shown: the server's items with this user's unconfirmed changes, in order. */
  readonly items: ItemView[] = $derived.by(() => this.feature.shown(this.entries.current, this.state));
  /** Listed lists plus the open one when the list does not show it yet (joined by id). */
  readonly sidebarEntries: List[] = $derived.by(() => {
    const { list: open, lists } = this.state;
    if (!open || lists.some((listed) => listed.id === open.id)) return lists;
    return [...lists, open];
  });

  /** What Undo and Redo offer on the open list. */
  readonly undoable = new UndoBinding(
    () => this.feature.undoable,
    () => this.state,
  );

  create(title: string, isPrivate: boolean): Promise<boolean> {
    return this.feature.catalog.create(title, isPrivate);
  }
  rename(title: string): Promise<boolean> {
    return this.feature.catalog.rename(title);
  }
  /** Owner only. */
  deleteList(): Promise<boolean> {
    return this.feature.catalog.delete();
  }
  open(listId: string, inviteCode?: string): Promise<boolean> {
    return this.feature.open(listId, inviteCode);
  }

  addItem(text: string): void {
    this.feature.items.add(text);
  }
  editText(item: Item, text: string, seen?: Pick<Item, 'text' | 'version'>): void {
    this.feature.items.editText(item, text, seen);
  }
  setDone(item: Item, done: boolean): void {
    this.feature.items.setDone(item, done);
  }
  remove(item: Item): void {
    this.feature.items.remove(item);
  }
  /** Undoes the delete on offer. */
  restore(): void {
    this.feature.items.restore();
  }
  dismissUndo(): void {
    this.feature.marks.dismissUndo();
  }
  moveBy(item: Item, step: -1 | 1): void {
    this.feature.items.moveBy(item, step);
  }
  moveBetween(item: Item, before: Item | null, after: Item | null): void {
    this.feature.items.moveBetween(item, before, after);
  }
  /** Sends the change that lost a race again, against the item as it is now. */
  reapply(itemId: string): void {
    this.feature.items.reapply(itemId);
  }
  dismissConflict(itemId: string): void {
    this.feature.marks.dismissConflict(itemId);
  }
}
