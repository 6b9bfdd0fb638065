import type {
  ItemConflict,
  ItemView,
  ListsFeature,
  ListsState,
  OutboxEntry,
  PendingOperation,
  Store,
  UndoDirection,
  UndoOffer,
  UndoOffers,
} from '@tandem/client';
import type { Item, List, Namespace } from '@tandem/contract';
import { FeatureBinding } from './binding.svelte.js';

export type { ItemConflict, ItemView, UndoOffer } from '@tandem/client';

/**
 * The `/lists` feature of the client core as the views see it: the lists, the open list's items
 * with this user's unconfirmed changes applied, conflicts and the undo offer. Lives for the whole
 * session: a change made offline is sent on reconnecting, whatever view is shown then.
 */
export class ListsManager extends FeatureBinding<typeof Namespace.Lists, ListsState> {
  /** This user's changes not acknowledged yet. */
  readonly pending: PendingOperation[] = $derived.by(() => this.lists.pending(this.entries.current));
  /** The open list as shown: the server's items with this user's unconfirmed changes, in order. */
  readonly items: ItemView[] = $derived.by(() => this.lists.shown(this.entries.current, this.view.current));
  /** Listed lists plus the open one when the list does not show it yet (joined by id). */
  readonly sidebarLists: List[] = $derived.by(() => {
    const { list: open, lists } = this.view.current;
    if (!open || lists.some((listed) => listed.id === open.id)) return lists;
    return [...lists, open];
  });

  /** What Undo and Redo offer on the open list. */
  readonly undoOffers: UndoOffers = $derived.by(() => this.lists.undoable.offers(this.view.current));

  constructor(
    private readonly lists: ListsFeature,
    outboxEntries: Store<readonly OutboxEntry[]>,
  ) {
    super(lists, outboxEntries);
  }

  get catalogLoading(): boolean {
    return this.view.current.catalogLoading;
  }
  get currentListId(): string | null {
    return this.view.current.currentListId;
  }
  get list(): List | null {
    return this.view.current.list;
  }
  get joining(): boolean {
    return this.view.current.joining;
  }
  get confirmed(): Record<string, Item> {
    return this.view.current.confirmed;
  }
  get highlighted(): Record<string, true> {
    return this.view.current.highlighted;
  }
  get conflicts(): Record<string, ItemConflict> {
    return this.view.current.conflicts;
  }
  get undo(): UndoOffer | null {
    return this.view.current.undo;
  }
  get isOwner(): boolean {
    return this.list?.ownerId === this.me.id;
  }

  createList(title: string, isPrivate: boolean): Promise<boolean> {
    return this.lists.catalog.create(title, isPrivate);
  }
  rename(title: string): Promise<boolean> {
    return this.lists.catalog.rename(title);
  }
  /** Owner only. */
  deleteList(): Promise<boolean> {
    return this.lists.catalog.delete();
  }
  open(listId: string, inviteCode?: string): Promise<boolean> {
    return this.lists.open(listId, inviteCode);
  }

  addItem(text: string): void {
    this.lists.items.add(text);
  }
  editText(item: Item, text: string, seen?: Pick<Item, 'text' | 'version'>): void {
    this.lists.items.editText(item, text, seen);
  }
  setDone(item: Item, done: boolean): void {
    this.lists.items.setDone(item, done);
  }
  remove(item: Item): void {
    this.lists.items.remove(item);
  }
  /** Undoes the delete on offer. */
  restore(): void {
    this.lists.items.restore();
  }
  dismissUndo(): void {
    this.lists.marks.dismissUndo();
  }
  moveBy(item: Item, step: -1 | 1): void {
    this.lists.items.moveBy(item, step);
  }
  moveBetween(item: Item, before: Item | null, after: Item | null): void {
    this.lists.items.moveBetween(item, before, after);
  }
  /** Sends the change that lost a race again, against the item as it is now. */
  reapply(itemId: string): void {
    this.lists.items.reapply(itemId);
  }
  /** Undoes (or redoes) this user's last change on the open list, as a new command the server checks. */
  step(direction: UndoDirection): void {
    this.lists.undoable.take(direction);
  }
  dismissConflict(itemId: string): void {
    this.lists.marks.dismissConflict(itemId);
  }
}
