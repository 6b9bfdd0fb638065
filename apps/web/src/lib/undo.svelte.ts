import type { UndoDirection, UndoHistory, UndoOffers, UndoSteps } from '@tandem/client';

/** What the Undo and Redo buttons need: what they offer now, and a step. */
export interface UndoControls {
  readonly offers: UndoOffers;
  step(direction: UndoDirection): void;
}

/**
 * A feature's undo history as the Undo and Redo buttons see it (see `UndoButtons`): what they
 * offer on the open list or board, and a step, which the client core takes and sends.
 */
export class UndoBinding<C, S extends { undoHistory: UndoHistory<C> }> implements UndoControls {
  readonly offers: UndoOffers = $derived.by(() => this.steps().offers(this.state()));

  constructor(
    private readonly steps: () => UndoSteps<C, S>,
    private readonly state: () => S,
  ) {}

  /** Undoes (or redoes) this user's last change on the open list or board, as a new command the server checks. */
  step(direction: UndoDirection): void {
    this.steps().take(direction);
  }
}
