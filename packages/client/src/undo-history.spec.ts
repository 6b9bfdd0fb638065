import { describe, expect, it } from '@jest/globals';
import {
  abandonStep,
  beginStep,
  emptyHistory,
  finishStep,
  nextStep,
  offers,
  recordChange,
  type UndoDirection,
  type UndoHistory,
} from './undo-history.js';

type History = UndoHistory<string>;

/** Records a change of `target` in list `a` from version `base` to `expect`. */
function change(history: History, target: string, base: number, expect: number, what = target, scope = 'a'): History {
  return recordChange(history, { scope, target, base, expect, change: what });
}

/** Begins the next step of `scope` and finishes it at `version`. */
function take(history: History, direction: UndoDirection, version: number, scope = 'a'): History {
  const begun = beginStep(history, scope, direction);
  if (!begun) throw new Error(`nothing to ${direction}`);
  return finishStep(begun.history, begun.step.id, version);
}

describe('undo history', () => {
  describe(recordChange.name, () => {
    it('makes the newest change the next undo and forgets what could be redone in its scope only', () => {
      let sut = change(emptyHistory(), 'x', 1, 2);
      sut = take(sut, 'undo', 3);
      sut = change(sut, 'y', 1, 2, 'y', 'b');
      sut = take(sut, 'undo', 3, 'b');
      expect(nextStep(sut, 'a', 'redo')?.target).toBe('x');
      sut = change(sut, 'z', 1, 2);
      expect(nextStep(sut, 'a', 'redo')).toBeNull();
      expect(nextStep(sut, 'b', 'redo')?.target).toBe('y');
      expect(nextStep(sut, 'a', 'undo')?.target).toBe('z');
    });

    it('keeps at most the limit of steps per scope, dropping the oldest', () => {
      let sut: History = emptyHistory();
      for (let index = 1; index <= 4; index++)
        sut = recordChange(sut, { scope: 'a', target: `t${index}`, base: 1, expect: 2, change: '' }, 3);
      sut = recordChange(sut, { scope: 'b', target: 'other', base: 1, expect: 2, change: '' }, 3);
      expect(sut.done.map((step) => step.target)).toEqual(['t2', 't3', 't4', 'other']);
    });
  });

  describe(beginStep.name, () => {
    it('takes the newest step of the scope, and none other starts until it is answered', () => {
      const sut = change(change(emptyHistory(), 'x', 1, 2), 'y', 1, 2);
      const begun = beginStep(sut, 'a', 'undo');
      expect(begun?.step.target).toBe('y');
      expect(begun?.step.expect).toBe(2);
      expect(beginStep(begun!.history, 'a', 'undo')).toBeNull();
      expect(offers(begun!.history, 'a', (what) => what)).toEqual({ undo: 'x', redo: null, busy: true });
    });

    it('has nothing to undo in an empty scope, nor to redo before an undo', () => {
      const sut = change(emptyHistory(), 'x', 1, 2);
      expect(beginStep(sut, 'b', 'undo')).toBeNull();
      expect(beginStep(sut, 'a', 'redo')).toBeNull();
      expect(offers(sut, null, (what) => what)).toEqual({ undo: null, redo: null, busy: false });
    });
  });

  describe(finishStep.name, () => {
    it('moves an undone step to redo, naming the version the undo produced', () => {
      const sut = take(change(emptyHistory(), 'x', 1, 2), 'undo', 3);
      expect(sut.pending).toBeNull();
      expect(sut.done).toEqual([]);
      expect(sut.undone).toEqual([expect.objectContaining({ target: 'x', base: 2, expect: 3 })]);
      const redone = take(sut, 'redo', 4);
      expect(redone.done).toEqual([expect.objectContaining({ target: 'x', base: 3, expect: 4 })]);
    });

    it('chains undos of one target: the step below expects the version the undo produced', () => {
      // x: 1 → 2 → 3 by this user; undo both, redo both.
      let sut = change(change(emptyHistory(), 'x', 1, 2, 'first'), 'x', 2, 3, 'second');
      sut = take(sut, 'undo', 4);
      expect(nextStep(sut, 'a', 'undo')).toEqual(expect.objectContaining({ change: 'first', expect: 4 }));
      sut = take(sut, 'undo', 5);
      expect(nextStep(sut, 'a', 'redo')).toEqual(expect.objectContaining({ change: 'first', expect: 5 }));
      sut = take(sut, 'redo', 6);
      expect(nextStep(sut, 'a', 'redo')).toEqual(expect.objectContaining({ change: 'second', expect: 6 }));
      sut = take(sut, 'redo', 7);
      expect(nextStep(sut, 'a', 'undo')).toEqual(expect.objectContaining({ change: 'second', expect: 7 }));
    });

    it("does not chain over somebody else's change: the older step still names its own version", () => {
      // x: 1 → 2 by this user, 2 → 3 by someone else, 3 → 4 by this user.
      let sut = change(change(emptyHistory(), 'x', 1, 2, 'first'), 'x', 3, 4, 'second');
      sut = take(sut, 'undo', 5);
      expect(nextStep(sut, 'a', 'undo')).toEqual(expect.objectContaining({ change: 'first', expect: 2 }));
    });

    it('leaves other targets alone, and replaces the change when given one', () => {
      let sut = change(change(emptyHistory(), 'x', 1, 2), 'y', 1, 2);
      const begun = beginStep(sut, 'a', 'undo')!;
      sut = finishStep(begun.history, begun.step.id, 3, 'y, as stored now');
      expect(nextStep(sut, 'a', 'undo')).toEqual(expect.objectContaining({ target: 'x', expect: 2 }));
      expect(nextStep(sut, 'a', 'redo')?.change).toBe('y, as stored now');
    });

    it('ignores an answer for a step that is not pending', () => {
      const sut = change(emptyHistory(), 'x', 1, 2);
      expect(finishStep(sut, 99, 3)).toBe(sut);
    });
  });

  describe(abandonStep.name, () => {
    it('forgets a refused step and lets the next one start', () => {
      const sut = change(change(emptyHistory(), 'x', 1, 2), 'y', 1, 2);
      const begun = beginStep(sut, 'a', 'undo')!;
      const after = abandonStep(begun.history, begun.step.id);
      expect(after.pending).toBeNull();
      expect(after.undone).toEqual([]);
      expect(nextStep(after, 'a', 'undo')?.target).toBe('x');
      expect(abandonStep(after, begun.step.id)).toBe(after);
    });
  });
});
