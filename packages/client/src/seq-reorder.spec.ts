import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { SeqReorder, reorderWaitMs } from './seq-reorder.js';

interface Change {
  seq: number;
}

/** A stream applied from seq `start`, recording what was applied and each resync asked for. */
function stream(start = 0) {
  const state = { last: start, applied: [] as number[], resyncs: 0 };
  const reorder = new SeqReorder<Change>({
    lastSeq: () => state.last,
    apply: (change) => {
      if (change.seq !== state.last + 1) throw new Error(`applied ${change.seq} after ${state.last}`);
      state.applied.push(change.seq);
      state.last = change.seq;
    },
    resync: () => state.resyncs++,
  });
  const push = (...seqs: number[]) => seqs.forEach((seq) => reorder.push({ seq }));
  return { state, reorder, push };
}

describe('SeqReorder', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('applies changes that arrive in order at once', () => {
    const { state, push } = stream(4);
    push(5, 6, 7);
    expect(state.applied).toEqual([5, 6, 7]);
    jest.advanceTimersByTime(reorderWaitMs * 2);
    expect(state.resyncs).toBe(0);
  });

  it('drops a change already applied', () => {
    const { state, reorder, push } = stream();
    push(1, 2, 1, 2);
    expect(state.applied).toEqual([1, 2]);
    expect(reorder.waiting).toBe(0);
  });

  it('holds a change that came early and applies both in order when the missing one arrives', () => {
    const { state, reorder, push } = stream();
    push(2);
    expect(state.applied).toEqual([]);
    expect(reorder.waiting).toBe(1);
    push(1);
    expect(state.applied).toEqual([1, 2]);
    jest.advanceTimersByTime(reorderWaitMs * 2);
    expect(state.resyncs).toBe(0);
  });

  it('puts a whole shuffled run back in order without a resync', () => {
    const { state, push } = stream(10);
    push(13, 12, 15, 11, 14);
    expect(state.applied).toEqual([11, 12, 13, 14, 15]);
    jest.advanceTimersByTime(reorderWaitMs);
    expect(state.resyncs).toBe(0);
  });

  it('asks for one resync when the gap is still open after the wait, not before', () => {
    const { state, push } = stream();
    push(2, 3);
    jest.advanceTimersByTime(reorderWaitMs - 1);
    expect(state.resyncs).toBe(0);
    jest.advanceTimersByTime(1);
    expect(state.resyncs).toBe(1);
    expect(state.applied).toEqual([]);
  });

  it('after a resync, applies what follows on from it, drops what it covered, and waits again for a gap left', () => {
    const { state, reorder, push } = stream();
    push(3, 4, 7);
    jest.advanceTimersByTime(reorderWaitMs);
    expect(state.resyncs).toBe(1);
    // The resync brought 1 to 3.
    state.applied.push(1, 2, 3);
    state.last = 3;
    reorder.drain();
    expect(state.applied).toEqual([1, 2, 3, 4]);
    expect(reorder.waiting).toBe(1);
    jest.advanceTimersByTime(reorderWaitMs);
    expect(state.resyncs).toBe(2);
  });

  it('forgets what it holds on clear, and asks for nothing after', () => {
    const { state, reorder, push } = stream();
    push(5);
    reorder.clear();
    jest.advanceTimersByTime(reorderWaitMs * 2);
    expect(state.resyncs).toBe(0);
    expect(reorder.waiting).toBe(0);
  });
});
