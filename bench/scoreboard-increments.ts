/**
 * `scoreboard-increments`: users adding to the players of one board with acked `score:add`; the
 * coalesced `board:state` broadcasts are counted and the final total is checked exactly.
 */
import { Histogram } from './histogram.js';
import type { ScoreboardResult } from './load/scoreboard.js';
import { commandCpu, errorsNote, measuredCell, round, setUpOrUnavailable, withRig } from './rig.js';
import type { Metrics, Scenario } from './rig.js';
import { verifyBoard } from './verify.js';

export function scoreboardScenario(): Scenario {
  return {
    name: 'scoreboard-increments',
    description:
      'users adding to 10 players of one board with acked score:add (window 4 each); coalesced board:state counted; final total checked exactly',
    sides: ['tandem'],
    run: (kind, context) => {
      const incrementers = context.quick ? 10 : 20;
      let outcome: ScoreboardResult | undefined;
      return withRig(
        kind,
        'scoreboard',
        context,
        async (server, worker) => {
          const window = await setUpOrUnavailable<ScoreboardResult>(server, worker, {
            scenario: 'scoreboard-increments',
            kind,
            context,
            setup: { url: server.url, incrementers, players: 10 },
            run: { window: 4 },
          });
          if ('unavailable' in window) return window.unavailable;
          const { result, sample, rssMb } = window;
          outcome = result;
          const latency = Histogram.from(result.ackLatency).summary();
          const exact =
            result.finalStateTotal === result.ackedDeltaSum && result.snapshotTotal === result.ackedDeltaSum;
          const metrics: Metrics = {
            incrementers,
            throughput: Math.round((result.windowAcks / result.windowMs) * 1000),
            p50Ms: latency.p50Ms,
            p99Ms: latency.p99Ms,
            maxMs: latency.maxMs,
            broadcastsPerSecPerBoard: round((result.statesInWindow / result.windowMs) * 1000),
            finalStateExact: exact ? 1 : 0,
            finalStateLagMs: result.finalStateLagMs,
            ackErrors: Object.values(result.ackErrors).reduce((sum, n) => sum + n, 0),
            ...commandCpu(sample, result.clientCpuPct, result.windowAcks),
            rssMb,
          };
          const notes = errorsNote(result.ackErrors);
          if (!exact) {
            notes.push(
              `final total mismatch: acked Σ ${result.ackedDeltaSum}, last board:state ${result.finalStateTotal}, snapshot ${result.snapshotTotal}`,
            );
          }
          return measuredCell(metrics, result.clientCpuPct, notes);
        },
        async (server, cell) => {
          if (server.database && outcome) {
            cell.verification = await verifyBoard(
              server.database,
              outcome.boardId,
              outcome.ackedDeltaSum,
              outcome.ackedOk,
            );
          }
        },
      );
    },
  };
}
