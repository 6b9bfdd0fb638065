/**
 * `idle-memory`: idle authenticated `/chat` connections opened in plateaus, RSS after a forced GC
 * at each, and the marginal RSS per connection between the two top plateaus. Each plateau's
 * connects/s and the server's CPU per 1,000 connects show whether a connect costs more as the
 * number of open connections grows.
 */
import path from 'node:path';
import { errorsNote, mb, round, sleep, withRig, type Cell, type Metrics, type Scenario } from './rig.js';

interface GrowResult {
  connected: number;
  opened: number;
  errors: Record<string, number>;
  elapsedMs: number;
  perSecond: number;
  clientCpuPct: number;
  stillConnected: number;
}

/** The connection counts the scenario stops at. */
export function idlePlateaus(quick: boolean): number[] {
  return quick ? [1_000, 3_000] : [1_000, 5_000, 10_000, 15_000];
}

/** How the per-plateau figures are labelled in the table. */
export const idleLabels: [string, string][] = [...new Set([...idlePlateaus(true), ...idlePlateaus(false)])]
  .sort((a, b) => a - b)
  .flatMap((n): [string, string][] => {
    const to = n.toLocaleString('en-US');
    return [
      [`connectsPerSecTo${n}`, `connects/s up to ${to}`],
      [`cpuMsPer1000ConnectsTo${n}`, `server CPU ms per 1,000 connects up to ${to}`],
      [`idleDelayP99MsAt${n}`, `loop delay p99 ms, idle at ${to}`],
    ];
  });

export function idleScenario(): Scenario {
  return {
    name: 'idle-memory',
    description:
      'idle authenticated /chat connections (socket.io-client, websocket) opened in plateaus; RSS after forced GC at each; marginal RSS per connection between the two top plateaus',
    sides: ['baseline', 'tandem'],
    run: (kind, context) => {
      const plateaus = idlePlateaus(context.quick);
      return withRig(kind, 'idle', context, async (server, worker) => {
        await worker.call('setup', { kind, url: server.url, users: context.quick ? 20 : 100 }, 60_000);
        const base = await server.stats({ gc: true });
        const rss: Record<number, number> = {};
        const heap: Record<number, number> = {};
        const errors: Record<string, number> = {};
        let connectMs = 0;
        let opened = 0;
        let connectDelayP99 = 0;
        let idleDelayP99 = 0;
        let idleDelayMax = 0;
        let clientCpu = 0;
        let connected = 0;
        const perPlateau: Metrics = {};
        for (const target of plateaus) {
          const before = await server.stats({ resetDelay: true });
          const grown = await worker.call<GrowResult>('grow', { target, concurrency: 100, limitMs: 120_000 }, 200_000);
          const duringConnect = await server.stats({ resetDelay: true });
          const cpuUs = duringConnect.cpuUserUs + duringConnect.cpuSystemUs - (before.cpuUserUs + before.cpuSystemUs);
          perPlateau[`connectsPerSecTo${target}`] = grown.perSecond;
          perPlateau[`cpuMsPer1000ConnectsTo${target}`] = grown.opened ? Math.round(cpuUs / grown.opened) : null;
          connectDelayP99 = Math.max(connectDelayP99, duringConnect.delayP99Ms);
          connectMs += grown.elapsedMs;
          opened += grown.opened;
          clientCpu = Math.max(clientCpu, grown.clientCpuPct);
          connected = grown.stillConnected;
          for (const [reason, n] of Object.entries(grown.errors)) errors[reason] = (errors[reason] ?? 0) + n;
          await sleep(context.quick ? 1_000 : 2_000);
          const settled = await server.stats({ gc: true, resetDelay: true });
          rss[target] = settled.rssBytes;
          heap[target] = settled.heapUsedBytes;
          if (context.heapDir) await server.heapSnapshot(path.join(context.heapDir, `${kind}-${target}.heapsnapshot`));
          await sleep(context.quick ? 1_000 : 3_000);
          const idle = await server.stats();
          idleDelayP99 = idle.delayP99Ms;
          idleDelayMax = idle.delayMaxMs;
          perPlateau[`idleDelayP99MsAt${target}`] = round(idle.delayP99Ms, 1);
        }
        const top = plateaus[plateaus.length - 1];
        const from = plateaus.length > 2 ? plateaus[1] : plateaus[0];
        const marginal = (rss[top] - rss[from]) / (top - from);
        const metrics: Metrics = {
          throughput: connectMs ? Math.round((opened / connectMs) * 1000) : 0,
          connections: connected,
          connectErrors: Object.values(errors).reduce((sum, n) => sum + n, 0),
          baseRssMb: mb(base.rssBytes),
          rssMb: mb(rss[top]),
          marginalKbPerConnection: round(marginal / 1024, 2),
          // The part of it in V8's heap (JavaScript objects), the rest being native memory.
          marginalHeapKbPerConnection: round((heap[top] - heap[from]) / (top - from) / 1024, 2),
          eventLoopDelayP99MsConnecting: round(connectDelayP99, 2),
          eventLoopDelayP99MsIdle: round(idleDelayP99, 2),
          eventLoopDelayMaxMsIdle: round(idleDelayMax, 2),
          clientCpuPct: clientCpu,
          ...perPlateau,
        };
        for (const target of plateaus) metrics[`rssMbAt${target}`] = mb(rss[target]);
        return {
          available: true,
          metrics,
          rigBound: clientCpu > 90,
          notes: [`marginal = (RSS@${top} − RSS@${from}) / ${top - from}`, ...errorsNote(errors)],
        } satisfies Cell;
      });
    },
  };
}
