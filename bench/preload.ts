/**
 * The benchmark's side channel into a server process, loaded with `node --expose-gc --import`
 * so that the server's own code stays untouched. Over the IPC channel of its parent it answers
 * `{type: 'stats'}` with memory (optionally after a forced GC), CPU time and event-loop delay,
 * and `{type: 'exit'}` by exiting normally (which lets `--cpu-prof` write its profile).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

interface StatsRequest {
  type: 'stats';
  id: number;
  gc?: boolean;
  resetDelay?: boolean;
}
/** Starts, or stops and writes, a CPU profile of just the measurement window. */
interface ProfileRequest {
  type: 'profile';
  id: number;
  action: 'start' | 'stop';
  file?: string;
}
/** Writes a heap snapshot (after a forced GC) into `file`. */
interface HeapRequest {
  type: 'heap';
  id: number;
  file: string;
}
type Request = StatsRequest | ProfileRequest | HeapRequest | { type: 'exit' };

let session: Session | undefined;

function profile(message: ProfileRequest): void {
  const done = (error?: string): void => {
    process.send?.({ type: 'profile', id: message.id, error });
  };
  if (message.action === 'start') {
    session = new Session();
    session.connect();
    session.post('Profiler.enable', () => session?.post('Profiler.start', (error) => done(error?.message)));
    return;
  }
  if (!session) return done('no profile was started');
  session.post('Profiler.stop', (error, result) => {
    if (!error && message.file) writeFileSync(message.file, JSON.stringify(result.profile));
    session?.disconnect();
    session = undefined;
    done(error?.message);
  });
}

if (process.send) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // GC pauses since the last reset: how much of the event-loop delay the collector explains.
  let gcPauses = { count: 0, totalMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcPauses.count++;
      gcPauses.totalMs += entry.duration;
      if (entry.duration > gcPauses.maxMs) gcPauses.maxMs = entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  const collect = (globalThis as { gc?: () => void }).gc;

  process.on('message', (message: Request) => {
    if (message?.type === 'exit') {
      process.exit(0);
    }
    if (message?.type === 'profile') {
      profile(message);
      return;
    }
    if (message?.type === 'heap') {
      let error: string | undefined;
      try {
        collect?.();
        writeHeapSnapshot(message.file);
      } catch (caught) {
        error = String(caught);
      }
      process.send?.({ type: 'profile', id: message.id, error });
      return;
    }
    if (message?.type !== 'stats') return;
    if (message.gc && collect) {
      // Two passes: the first one may only promote what the second one frees.
      collect();
      collect();
    }
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    process.send?.({
      type: 'stats',
      id: message.id,
      // This process's monotonic clock, so that CPU shares use the server's own elapsed time.
      atMs: Number(process.hrtime.bigint()) / 1e6,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      externalBytes: memory.external,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      // Event-loop delay since the last reset, in milliseconds.
      delayP50Ms: delay.count ? delay.percentile(50) / 1e6 : 0,
      delayP99Ms: delay.count ? delay.percentile(99) / 1e6 : 0,
      delayMaxMs: delay.count ? delay.max / 1e6 : 0,
      delayMeanMs: delay.count ? delay.mean / 1e6 : 0,
      gcCount: gcPauses.count,
      gcTotalMs: gcPauses.totalMs,
      gcMaxMs: gcPauses.maxMs,
    });
    if (message.resetDelay) {
      delay.reset();
      gcPauses = { count: 0, totalMs: 0, maxMs: 0 };
    }
  });
  // A server whose benchmark has gone away (interrupted, crashed) goes too.
  process.on('disconnect', () => process.exit(0));
  // The channel must not keep a server alive that is otherwise done.
  process.channel?.unref();
}
