import type { Item } from '@tandem/contract';
import type { ItemConflict } from './list.js';
import type { ListsState } from './lists.js';

const highlightMs = 1_600;
const undoMs = 8_000;

/** What a list shows for a while beside its items: changes by others, the undo offer, conflicts. */
export class ListMarks {
  private nextUndoId = 1;
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly state: () => ListsState,
    private readonly update: (change: (state: ListsState) => ListsState) => void,
  ) {}

  /** Marks an item somebody else just changed, briefly. */
  flash(itemId: string): void {
    clearTimeout(this.timers.get(itemId));
    this.update((state) => ({ ...state, highlighted: { ...state.highlighted, [itemId]: true } }));
    this.timers.set(
      itemId,
      setTimeout(() => {
        this.timers.delete(itemId);
        this.update((state) => ({ ...state, highlighted: without(state.highlighted, itemId) }));
      }, highlightMs),
    );
  }

  offerUndo(item: Item): void {
    this.dismissUndo();
    const undo = { item, id: this.nextUndoId++ };
    this.update((state) => ({ ...state, undo }));
    this.timers.set(
      'undo',
      setTimeout(() => this.dismissUndo(), undoMs),
    );
  }

  dismissUndo(): void {
    clearTimeout(this.timers.get('undo'));
    if (this.state().undo) this.update((state) => ({ ...state, undo: null }));
  }

  conflict(conflict: ItemConflict): void {
    this.update((state) => ({ ...state, conflicts: { ...state.conflicts, [conflict.itemId]: conflict } }));
  }

  dismissConflict(itemId: string): void {
    if (this.state().conflicts[itemId]) {
      this.update((state) => ({ ...state, conflicts: without(state.conflicts, itemId) }));
    }
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
  }
}

/** The record without `key`. */
export function without<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const next = { ...record };
  delete next[key];
  return next;
}
