import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { TypingChanged } from '@tandem/contract';
import { TypingBatches } from './typing-batches.js';

describe(TypingBatches.name, () => {
  let sent: TypingChanged[];
  let sut: TypingBatches;

  beforeEach(() => {
    jest.useFakeTimers();
    sent = [];
    sut = new TypingBatches(1_000, (event) => sent.push(event));
  });
  afterEach(() => {
    sut.clear();
    jest.useRealTimers();
  });

  describe('note', () => {
    it('sends the first signal of a quiet room at once, and the rest once per window', () => {
      sut.note('r1', { id: 'a', name: 'ann' }, true);
      jest.advanceTimersByTime(0);
      expect(sent).toEqual([{ roomId: 'r1', users: [{ id: 'a', name: 'ann' }], count: 1, stopped: [] }]);
      for (let i = 0; i < 10; i++) sut.note('r1', { id: 'a', name: 'ann' }, true);
      sut.note('r1', { id: 'a', name: 'ann' }, false);
      jest.advanceTimersByTime(999);
      expect(sent).toHaveLength(1);
      jest.advanceTimersByTime(1);
      expect(sent[1]).toEqual({ roomId: 'r1', users: [], count: 0, stopped: ['a'] });
      jest.advanceTimersByTime(5_000);
      expect(sent).toHaveLength(2);
    });

    it('names a few typists and counts them all, however many type', () => {
      for (let i = 0; i < 300; i++) sut.note('r1', { id: `u${i}`, name: `user ${i}` }, true);
      jest.advanceTimersByTime(0);
      expect(sent).toHaveLength(1);
      expect(sent[0]?.users).toHaveLength(5);
      expect(sent[0]?.count).toBe(300);
    });

    it('keeps rooms apart', () => {
      sut.note('r1', { id: 'a', name: 'ann' }, true);
      sut.note('r2', { id: 'b', name: 'bob' }, true);
      jest.advanceTimersByTime(0);
      expect(sent.map((event) => event.roomId).sort()).toEqual(['r1', 'r2']);
    });
  });
});
