import { describe, expect, it } from '@jest/globals';
import { Store } from './store.js';
import {
  emptyHistory,
  finishStep,
  abandonStep,
  recordChange,
  type UndoDirection,
  type UndoHistory,
  type UndoStep,
} from './undo-history.js';
import { UndoSteps } from './undo-steps.js';

interface State {
  scope: string | null;
  undoHistory: UndoHistory<string>;
}

/** Steps whose commands are recorded instead of sent; the test answers them. */
class RecordedSteps extends UndoSteps<string, State> {
  readonly sent: string[] = [];

  constructor(readonly state: Store<State>) {
    super(
      state,
      (current) => current.scope,
      (change) => change,
    );
  }

  protected send(step: UndoStep<string>, direction: UndoDirection): void {
    this.sent.push(`${direction} ${step.change}`);
  }

  /** The server applied the pending step at `version`. */
  accept(version: number): void {
    const { pending } = this.state.get().undoHistory;
    this.change((history) => finishStep(history, pending!.step.id, version));
    this.answered(false);
  }

  refuse(): void {
    const { pending } = this.state.get().undoHistory;
    this.change((history) => abandonStep(history, pending!.step.id));
    this.answered(true);
  }
}

/** Two changes of item `x` in list `a` (1 → 2 → 3). */
function twoChanges(): RecordedSteps {
  let history = recordChange(emptyHistory<string>(), { scope: 'a', target: 'x', base: 1, expect: 2, change: 'first' });
  history = recordChange(history, { scope: 'a', target: 'x', base: 2, expect: 3, change: 'second' });
  return new RecordedSteps(new Store<State>({ scope: 'a', undoHistory: history }));
}

describe(UndoSteps.name, () => {
  describe('take', () => {
    it('sends one step at a time: a press while one is pending follows its answer', () => {
      const sut = twoChanges();
      expect(sut.take('undo')).toBe(true);
      expect(sut.take('undo')).toBe(true);
      expect(sut.take('undo')).toBe(false);
      expect(sut.sent).toEqual(['undo second']);
      sut.accept(4);
      expect(sut.sent).toEqual(['undo second', 'undo first']);
      expect(sut.state.get().undoHistory.pending?.step.expect).toBe(4);
      sut.accept(5);
      expect(sut.offers()).toEqual({ undo: null, redo: 'first', busy: false });
    });

    it('drops the presses waiting behind a refused step', () => {
      const sut = twoChanges();
      sut.take('undo');
      sut.take('undo');
      sut.refuse();
      expect(sut.sent).toEqual(['undo second']);
      expect(sut.state.get().undoHistory.pending).toBeNull();
      expect(sut.offers()).toEqual({ undo: 'first', redo: null, busy: false });
    });

    it('has nothing to take with no open scope, or nothing done in it', () => {
      const sut = twoChanges();
      sut.state.update((state) => ({ ...state, scope: null }));
      expect(sut.take('undo')).toBe(false);
      sut.state.update((state) => ({ ...state, scope: 'b' }));
      expect(sut.take('undo')).toBe(false);
      expect(sut.take('redo')).toBe(false);
      expect(sut.sent).toEqual([]);
    });
  });
});
