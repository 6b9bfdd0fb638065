/**
 * `join-storm`: every member of one room joins at the same moment, first as newcomers, then again
 * after the server is killed (`kill -9`) and restarted on the same database, each rejoining with
 * `sinceSeq`. Tandem only: the baseline has no presence, history or membership to join.
 */
import path from 'node:path';
import { Histogram } from './histogram.js';
import type { ReachResult, StormResult } from './load/join-storm.js';
import { errorsNote, withRig, type Cell, type Metrics, type Scenario } from './rig.js';
import { startServer, type ServerHandle } from './servers.js';
import type { LoadWorker } from './workers.js';

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
/** After the last ack, the storm's trailing presence delta (the window is at most 2 s). */
const quietMs = 2_500;

async function stormPhase(
  server: ServerHandle,
  worker: LoadWorker,
  prefix: string,
  profileDir: string | undefined,
): Promise<{ metrics: Metrics; errors: Record<string, number>; clientCpuPct: number }> {
  await server.stats({ resetDelay: true });
  const cpuBefore = await server.stats();
  if (profileDir) await server.profile('start');
  const storm = await worker.call<StormResult>('storm', { quietMs, limitMs: 120_000 }, 200_000);
  if (profileDir)
    await server.profile('stop', path.join(profileDir, `window-join-storm-${prefix}-${Date.now()}.cpuprofile`));
  const after = await server.stats({ resetDelay: true });
  const reach = await worker.call<ReachResult>('reach', { limitMs: 20_000 }, 60_000);
  const cpuUs = after.cpuUserUs + after.cpuSystemUs - cpuBefore.cpuUserUs - cpuBefore.cpuSystemUs;
  const ack = Histogram.from(storm.joinAck).summary();
  const events = storm.presenceEvents + storm.noticeEvents + storm.otherEvents;
  const metrics: Metrics = {
    [`${prefix}Joined`]: storm.joined,
    [`${prefix}JoinsPerSec`]: storm.stormMs > 0 ? Math.round((storm.joined / storm.stormMs) * 1000) : null,
    [`${prefix}AckP50Ms`]: ack.p50Ms,
    [`${prefix}AckP99Ms`]: ack.p99Ms,
    [`${prefix}EventsPerSocket`]: round(events, 2),
    [`${prefix}PresenceEventsPerSocket`]: round(storm.presenceEvents, 2),
    [`${prefix}PresenceKbPerSocket`]: round(storm.presenceBytes / 1024, 2),
    [`${prefix}NoticesPerSocket`]: round(storm.noticeEvents, 2),
    [`${prefix}MaxEventsOneSocket`]: storm.maxEventsOneSocket,
    [`${prefix}Disconnects`]: storm.disconnects,
    [`${prefix}LoopP99Ms`]: round(after.delayP99Ms, 2),
    [`${prefix}LoopMaxMs`]: round(after.delayMaxMs, 2),
    [`${prefix}ServerCpuMsPerJoin`]: storm.joined ? round(cpuUs / 1000 / storm.joined, 3) : null,
    [`${prefix}ReachAllMs`]: reach.reachMs,
    [`${prefix}Reached`]: reach.reached,
  };
  return { metrics, errors: storm.errors, clientCpuPct: storm.clientCpuPct };
}

export function joinStormScenario(): Scenario {
  return {
    name: 'join-storm',
    description:
      'N users (1,000 quick, 10,000 full), one socket each, join one room at once; then the server is killed and restarted on the same database and all rejoin with sinceSeq at once',
    sides: ['tandem'],
    run: (kind, context) => {
      const users = Number(process.env.JOIN_STORM_USERS) || (context.quick ? 1_000 : 10_000);
      return withRig(kind, 'join-storm', context, async (server, worker): Promise<Cell> => {
        const setup = await worker.call<{ signInMs: number; connectMs: number; connectsPerSec: number }>(
          'setup',
          { url: server.url, users, signInConcurrency: 20, connectConcurrency: 100 },
          600_000,
        );
        const first = await stormPhase(server, worker, 'first', context.profileDir);
        // A crash under the full room, then a restart on the same database.
        await server.kill();
        // It shares the first one's folder and database, which the rig removes afterwards.
        const restarted = await startServer('tandem', { database: server.database });
        let again: Awaited<ReturnType<typeof stormPhase>>;
        try {
          await worker.call('reconnect', { url: restarted.url, concurrency: 100 }, 600_000);
          again = await stormPhase(restarted, worker, 'rejoin', context.profileDir);
        } finally {
          await restarted.stop();
        }
        const clientCpuPct = Math.max(first.clientCpuPct, again.clientCpuPct);
        return {
          available: true,
          metrics: {
            throughput: first.metrics.firstJoinsPerSec,
            users,
            connectsPerSec: setup.connectsPerSec,
            ...first.metrics,
            ...again.metrics,
            clientCpuPct,
          },
          rigBound: clientCpuPct > 90,
          notes: [
            `sign-in of ${users} users ${setup.signInMs} ms, connect ${setup.connectMs} ms`,
            'events per socket: every frame heard from the first join sent until 2.5 s after the last ack',
            ...errorsNote(first.errors).map((note) => `first joins: ${note}`),
            ...errorsNote(again.errors).map((note) => `rejoins: ${note}`),
          ],
        };
      });
    },
  };
}
