import { performance } from 'node:perf_hooks';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once; the first failure wins. */
export async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  });
  await Promise.all(lanes);
}

/** Waits until `done()` holds or `limitMs` passed; returns whether it held. */
export async function waitFor(done: () => boolean, limitMs: number, pollMs = 20): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  while (!done()) {
    if (performance.now() >= deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

/** This process's CPU time in microseconds. */
export function cpuTimeUs(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

export function countBy(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/**
 * This process's CPU share over a measurement window that starts `warmupMs` from now. Call
 * `percent()` as soon as the window is over: it reads the end itself if its timer has not fired.
 */
export function cpuMeter(warmupMs: number, measureMs: number): { percent(): number } {
  let start = 0;
  let end = 0;
  const startTimer = setTimeout(() => (start = cpuTimeUs()), warmupMs);
  const endTimer = setTimeout(() => (end = cpuTimeUs()), warmupMs + measureMs);
  return {
    percent() {
      clearTimeout(startTimer);
      clearTimeout(endTimer);
      if (!end) end = cpuTimeUs();
      return start ? Math.round(((end - start) / (measureMs * 1000)) * 1000) / 10 : 0;
    },
  };
}
