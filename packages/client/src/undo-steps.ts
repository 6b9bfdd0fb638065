import type { Store } from './store.js';
import {
  beginStep,
  offers,
  type UndoDirection,
  type UndoHistory,
  type UndoOffers,
  type UndoStep,
} from './undo-history.js';

/**
 * A feature's undo history, kept in its state (`undoHistory`) so views follow it: what the
 * buttons offer for the open list or board (`scopeOf`), and the steps taken from it, one at a
 * time: a step asked for while another waits for the server's answer follows that answer (the
 * version it must name is known only then), so presses in a row are not lost.
 */
export abstract class UndoSteps<C, S extends { undoHistory: UndoHistory<C> }> {
  private waiting: UndoDirection[] = [];

  constructor(
    private readonly store: Store<S>,
    private readonly scopeOf: (state: S) => string | null,
    private readonly describe: (change: C) => string,
  ) {}

  /** What the Undo and Redo buttons offer now. */
  offers(state = this.store.get()): UndoOffers {
    return offers(state.undoHistory, this.scopeOf(state), this.describe);
  }

  /** Undoes (or redoes) the open scope's last change, now or after the pending step; false when there is none. */
  take(direction: UndoDirection): boolean {
    const state = this.store.get();
    const scope = this.scopeOf(state);
    const history = state.undoHistory;
    if (history.pending) {
      const stack = direction === 'undo' ? history.done : history.undone;
      const left = stack.filter((step) => step.scope === scope).length;
      if (this.waiting.filter((waiting) => waiting === direction).length >= left) return false;
      this.waiting.push(direction);
      return true;
    }
    const begun = scope === null ? null : beginStep(history, scope, direction);
    if (!begun) return false;
    this.change(() => begun.history);
    this.send(begun.step, direction);
    return true;
  }

  /** Sends the command of a step just begun. */
  protected abstract send(step: UndoStep<C>, direction: UndoDirection): void;

  /** The pending step was answered: the next one asked for follows, unless this one was refused. */
  protected answered(refused: boolean): void {
    const next = refused ? undefined : this.waiting.shift();
    if (refused) this.waiting = [];
    if (next) this.take(next);
  }

  protected change(update: (history: UndoHistory<C>) => UndoHistory<C>): void {
    this.store.update((state) => ({ ...state, undoHistory: update(state.undoHistory) }));
  }
}
