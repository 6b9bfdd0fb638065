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
 * buttons offer for the open list or board (`scopeOf`), and the steps taken from it.
 */
export class UndoSteps<C, S extends { undoHistory: UndoHistory<C> }> {
  constructor(
    private readonly store: Store<S>,
    private readonly scopeOf: (state: S) => string | null,
    private readonly describe: (change: C) => string,
  ) {}

  /** What the Undo and Redo buttons offer now. */
  offers(state = this.store.get()): UndoOffers {
    return offers(state.undoHistory, this.scopeOf(state), this.describe);
  }

  /** Takes the open scope's next step, pending until the server answers; null when there is none. */
  protected begin(direction: UndoDirection): UndoStep<C> | null {
    const state = this.store.get();
    const scope = this.scopeOf(state);
    const begun = scope === null ? null : beginStep(state.undoHistory, scope, direction);
    if (!begun) return null;
    this.change(() => begun.history);
    return begun.step;
  }

  protected change(update: (history: UndoHistory<C>) => UndoHistory<C>): void {
    this.store.update((state) => ({ ...state, undoHistory: update(state.undoHistory) }));
  }
}
