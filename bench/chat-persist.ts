/**
 * `chat-persist`: senders in their own rooms, each keeping a window of unacked `message:send` in
 * flight; every acked message is checked in the database afterwards.
 */
import { Histogram } from './histogram.js';
import type { PersistResult } from './load/persist.js';
import { commandCpu, errorsNote, mb, measuredCell, runWindow, windowProfile, withRig } from './rig.js';
import type { Metrics, Scenario } from './rig.js';
import { verifyMessages } from './verify.js';

export function persistScenario(): Scenario {
  return {
    name: 'chat-persist',
    description:
      'senders in their own rooms, each keeping a window of unacked message:send in flight; every acked message checked in the database',
    sides: ['baseline', 'tandem'],
    run: (kind, context) => {
      const senders = context.quick ? 20 : 50;
      const window = 4;
      const warmupMs = context.quick ? 1_000 : 2_000;
      const measureMs = context.quick ? 3_000 : 8_000;
      let acked: [string, string][] = [];
      return withRig(
        kind,
        'persist',
        context,
        async (server, worker) => {
          await worker.call('setup', { kind, url: server.url, senders }, 120_000);
          const [result, sample] = await runWindow<PersistResult>(
            server,
            worker,
            { window },
            warmupMs,
            measureMs,
            windowProfile(kind, context, 'chat-persist'),
          );
          acked = result.acked;
          const stats = await server.stats({ gc: true });
          const latency = Histogram.from(result.ackLatency).summary();
          const metrics: Metrics = {
            senders,
            window,
            throughput: Math.round((result.windowAcks / result.windowMs) * 1000),
            p50Ms: latency.p50Ms,
            p99Ms: latency.p99Ms,
            maxMs: latency.maxMs,
            ackErrors: Object.values(result.ackErrors).reduce((sum, n) => sum + n, 0),
            ...commandCpu(sample, result.clientCpuPct, result.windowAcks),
            eventLoopDelayP99Ms: sample.delayP99Ms,
            gcPauseMaxMs: sample.gcMaxMs,
            gcTimePct: sample.gcSharePct,
            rssMb: mb(stats.rssBytes),
            ackedTotal: result.ackedOk,
          };
          return measuredCell(metrics, result.clientCpuPct, errorsNote(result.ackErrors));
        },
        async (server, cell) => {
          if (server.database) cell.verification = await verifyMessages(server.database, acked);
        },
      );
    },
  };
}
