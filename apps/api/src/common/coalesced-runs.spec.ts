import { describe, expect, it } from '@jest/globals';
import { CoalescedRuns } from './coalesced-runs.js';

/** A run per call, each finished by hand; `started` counts them. */
function manualRuns() {
  const pending: { key: string; finish: (value: string) => void; fail: (error: Error) => void }[] = [];
  let started = 0;
  const runs = new CoalescedRuns<string>(
    (key) =>
      new Promise<string>((resolve, reject) => {
        started += 1;
        pending.push({ key, finish: resolve, fail: reject });
      }),
  );
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { runs, pending, settle, started: () => started };
}

describe('CoalescedRuns', () => {
  it('runs at once when nothing is in flight for the key', async () => {
    const { runs, pending, started } = manualRuns();
    const result = runs.request('a');
    expect(started()).toBe(1);
    pending[0]!.finish('first');
    await expect(result).resolves.toBe('first');
  });

  it('makes the requests that arrive during a run share one run after it', async () => {
    const { runs, pending, settle, started } = manualRuns();
    const first = runs.request('a');
    const during = [runs.request('a'), runs.request('a'), runs.request('a')];
    expect(started()).toBe(1);
    pending[0]!.finish('first');
    await expect(first).resolves.toBe('first');
    await settle();
    // The queued run starts only after the first ended: its result is newer than every request.
    expect(started()).toBe(2);
    pending[1]!.finish('second');
    await expect(Promise.all(during)).resolves.toEqual(['second', 'second', 'second']);
  });

  it('keeps keys apart', () => {
    const { runs, started } = manualRuns();
    void runs.request('a');
    void runs.request('b');
    expect(started()).toBe(2);
  });

  it('runs again after a failed run, and forgets a key once its runs are done', async () => {
    const { runs, pending, settle, started } = manualRuns();
    const failing = runs.request('a');
    const queued = runs.request('a');
    pending[0]!.fail(new Error('no'));
    await expect(failing).rejects.toThrow('no');
    await settle();
    pending[1]!.finish('recovered');
    await expect(queued).resolves.toBe('recovered');
    await settle();
    const fresh = runs.request('a');
    expect(started()).toBe(3);
    pending[2]!.finish('fresh');
    await expect(fresh).resolves.toBe('fresh');
  });
});
