import type { Item } from '@tandem/contract';
import { newOpId } from '../feature.js';
import { nextStep } from '../undo-history.js';
import { keyBetweenShown, temporaryPrefix, type Operation } from './list.js';
import type { ListsFeature } from './lists.js';

/**
 * Every change to the open list's items: each is shown at once (as an operation in the outbox)
 * and sent in order once it can be. Items are named as they are shown, so a change made on an
 * item that is not created yet follows it once it is.
 */
export class ListItems {
  constructor(private readonly lists: ListsFeature) {}

  add(text: string): void {
    const listId = this.lists.state.get().currentListId;
    if (!listId) return;
    const last = this.lists.shown().at(-1) ?? null;
    const position = keyBetweenShown(last, null) ?? last?.position ?? 'a0';
    this.lists.enqueue({ kind: 'create', listId, tempId: `${temporaryPrefix}${newOpId()}`, text, position });
  }

  /**
   * `seen` is the item as it was when the edit began: an edit names that version, so a change
   * somebody else made meanwhile is answered `CONFLICT` instead of being silently overwritten.
   */
  editText(item: Item, text: string, seen: Pick<Item, 'text' | 'version'> = item): void {
    const trimmed = text.trim();
    if (!trimmed || trimmed === seen.text) return;
    this.lists.enqueue({
      kind: 'update',
      itemId: item.id,
      version: seen.version,
      patch: { text: trimmed },
      was: { text: seen.text },
    });
  }

  setDone(item: Item, done: boolean): void {
    if (done === item.done) return;
    this.lists.enqueue({
      kind: 'update',
      itemId: item.id,
      version: item.version,
      patch: { done },
      was: { done: item.done },
    });
  }

  remove(item: Item): void {
    this.lists.enqueue({ kind: 'delete', itemId: item.id, version: item.version });
  }

  /** Undoes the delete on offer: the history's last step when it is that delete, else a restore of its own. */
  restore(): void {
    const { undo, undoHistory: history, currentListId } = this.lists.state.get();
    this.lists.marks.dismissUndo();
    if (!undo) return;
    const { item } = undo;
    const last = currentListId === null ? null : nextStep(history, currentListId, 'undo');
    if (last?.change.kind === 'delete' && last.target === item.id && this.lists.undoable.take('undo')) return;
    this.lists.enqueue({ kind: 'restore', itemId: item.id, version: item.version, item });
  }

  /** One place up (-1) or down (+1) in the list as shown. */
  moveBy(item: Item, step: -1 | 1): void {
    const items = this.lists.shown();
    const index = items.findIndex((shown) => shown.id === item.id);
    if (index < 0) return;
    const target = index + step;
    if (target < 0 || target >= items.length) return;
    const others = items.filter((shown) => shown.id !== item.id);
    this.moveBetween(item, others[target - 1] ?? null, others[target] ?? null);
  }

  /**
   * Puts the item between two shown neighbours (null: an end of the list). The server places it
   * right after `before` as it stands then; the key shown meanwhile is computed here.
   */
  moveBetween(item: Item, before: Item | null, after: Item | null): void {
    const position = keyBetweenShown(before, after) ?? item.position;
    this.lists.enqueue({
      kind: 'move',
      itemId: item.id,
      version: item.version,
      position,
      afterId: before?.id ?? null,
      ...(after ? { beforeId: after.id } : {}),
      was: { position: item.position },
    });
  }

  /** Sends the change that lost a race again, against the item as it is now. */
  reapply(itemId: string): void {
    const retry = this.lists.state.get().conflicts[itemId]?.retry;
    this.lists.marks.dismissConflict(itemId);
    const current = this.lists.state.get().confirmed[itemId];
    if (!retry || !current) return;
    this.lists.enqueue({ ...retry, version: current.version } as Operation);
  }
}
