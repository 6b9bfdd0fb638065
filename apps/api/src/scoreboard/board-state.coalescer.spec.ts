import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { BoardStateCoalescer, type StateDelivery } from './board-state.coalescer.js';

const intervalMs = 50;

describe(BoardStateCoalescer.name, () => {
  /** The "database": the committed version of each key. */
  let committed: Map<string, number>;
  let sent: { key: string; state: number; delivery: StateDelivery }[];
  let errors: unknown[];
  let read: jest.Mock<(key: string) => Promise<number | null>>;
  let sut: BoardStateCoalescer<number>;

  beforeEach(() => {
    jest.useFakeTimers();
    committed = new Map();
    sent = [];
    errors = [];
    read = jest.fn((key: string) => Promise.resolve(committed.get(key) ?? null));
    sut = new BoardStateCoalescer<number>({
      intervalMs,
      read,
      send: (key, state, delivery) => sent.push({ key, state, delivery }),
      onError: (_, error) => errors.push(error),
    });
  });

  afterEach(() => {
    sut.close();
    jest.useRealTimers();
  });

  function commit(key: string): void {
    committed.set(key, (committed.get(key) ?? 0) + 1);
    sut.notify(key);
  }

  describe('notify', () => {
    it('sends the first change at once, reliably, and nothing more when it stays alone', async () => {
      commit('a');
      await jest.advanceTimersByTimeAsync(0);
      expect(sent).toEqual([{ key: 'a', state: 1, delivery: 'reliable' }]);
      await jest.advanceTimersByTimeAsync(intervalMs * 10);
      expect(sent).toHaveLength(1);
    });

    it('collapses a burst into one state per interval, ending on the final state sent reliably', async () => {
      for (let tick = 0; tick < 200; tick++) {
        commit('a');
        await jest.advanceTimersByTimeAsync(1);
      }
      await jest.advanceTimersByTimeAsync(intervalMs * 3);
      expect(sent.length).toBeLessThanOrEqual(200 / intervalMs + 3);
      expect(sent[0]).toEqual({ key: 'a', state: 1, delivery: 'reliable' });
      expect(sent.slice(1, -1).every((entry) => entry.delivery === 'volatile')).toBe(true);
      expect(sent.at(-1)).toEqual({ key: 'a', state: 200, delivery: 'reliable' });
      const states = sent.map((entry) => entry.state);
      expect(states).toEqual([...states].sort((x, y) => x - y));
    });

    it('never sends twice for one key within an interval', async () => {
      const times: number[] = [];
      const timed = new BoardStateCoalescer<number>({
        intervalMs,
        read: () => Promise.resolve(1),
        send: () => times.push(Date.now()),
        onError: () => undefined,
      });
      for (let tick = 0; tick < 300; tick += 7) {
        timed.notify('a');
        await jest.advanceTimersByTimeAsync(7);
      }
      await jest.advanceTimersByTimeAsync(intervalMs * 3);
      timed.close();
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(intervalMs);
    });

    it('sends an overdue state on the next notice when a busy process starves the timer', async () => {
      // Promise callbacks only: timers cannot run (a long chain of writes in one tick).
      const settleReads = async () => {
        for (let tick = 0; tick < 10; tick++) await Promise.resolve();
      };
      commit('a');
      await settleReads();
      jest.setSystemTime(Date.now() + intervalMs + 1);
      commit('a');
      jest.setSystemTime(Date.now() + 10);
      commit('a');
      await settleReads();
      expect(sent.map((entry) => [entry.state, entry.delivery])).toEqual([
        [1, 'reliable'],
        [3, 'volatile'],
      ]);
      await jest.advanceTimersByTimeAsync(intervalMs * 3);
      expect(sent.at(-1)).toEqual({ key: 'a', state: 3, delivery: 'reliable' });
    });

    it('keeps keys apart', async () => {
      commit('a');
      commit('b');
      commit('a');
      await jest.advanceTimersByTimeAsync(intervalMs * 4);
      expect(sent.filter((entry) => entry.key === 'a').at(-1)).toEqual({ key: 'a', state: 2, delivery: 'reliable' });
      expect(sent.filter((entry) => entry.key === 'b')).toEqual([{ key: 'b', state: 1, delivery: 'reliable' }]);
    });

    it('sends the leading edge again once a quiet interval has passed', async () => {
      commit('a');
      await jest.advanceTimersByTimeAsync(intervalMs * 2);
      commit('a');
      await jest.advanceTimersByTimeAsync(0);
      expect(sent).toEqual([
        { key: 'a', state: 1, delivery: 'reliable' },
        { key: 'a', state: 2, delivery: 'reliable' },
      ]);
    });

    it('retries after a failed read, still ending on the final state', async () => {
      read.mockImplementationOnce(() => Promise.reject(new Error('database busy')));
      commit('a');
      await jest.advanceTimersByTimeAsync(intervalMs * 4);
      expect(errors).toHaveLength(1);
      expect(sent.at(-1)).toEqual({ key: 'a', state: 1, delivery: 'reliable' });
    });

    it('sends nothing when the state is gone', async () => {
      sut.notify('missing');
      await jest.advanceTimersByTimeAsync(intervalMs * 4);
      expect(sent).toEqual([]);
    });
  });

  describe('close', () => {
    it('stops pending sends', async () => {
      commit('a');
      await jest.advanceTimersByTimeAsync(0);
      commit('a');
      sut.close();
      commit('a');
      await jest.advanceTimersByTimeAsync(intervalMs * 4);
      expect(sent).toEqual([{ key: 'a', state: 1, delivery: 'reliable' }]);
    });
  });
});
