/**
 * `lists-updates`: users updating the shared items of one list with `item:update` naming the
 * version they saw; processed and accepted commands/s, the conflict rate, versions checked exactly.
 */
import { Histogram } from './histogram.js';
import type { ListsResult } from './load/lists.js';
import { commandCpu, errorsNote, measuredCell, round, setUpOrUnavailable, withRig } from './rig.js';
import type { Metrics, Scenario } from './rig.js';
import { verifyListVersions } from './verify.js';

export function listsScenario(): Scenario {
  return {
    name: 'lists-updates',
    description:
      'users updating 10 shared items with item:update naming the version they saw (one in flight each, enough of them to keep the server busy); processed and accepted commands/s, conflict rate; versions checked exactly',
    sides: ['tandem'],
    run: (kind, context) => {
      // Enough writers in flight that the server, not the round trips, sets the pace.
      const updaters = context.quick ? 40 : 80;
      let outcome: ListsResult | undefined;
      return withRig(
        kind,
        'lists',
        context,
        async (server, worker) => {
          const window = await setUpOrUnavailable<ListsResult>(server, worker, {
            scenario: 'lists-updates',
            kind,
            context,
            setup: { url: server.url, updaters, items: 10 },
            run: {},
          });
          if ('unavailable' in window) return window.unavailable;
          const { result, sample, rssMb } = window;
          outcome = result;
          const latency = Histogram.from(result.ackLatency).summary();
          const answered = result.windowAccepted + result.windowConflicts;
          const metrics: Metrics = {
            updaters,
            throughput: Math.round((result.windowAccepted / result.windowMs) * 1000),
            conflictsPerSec: Math.round((result.windowConflicts / result.windowMs) * 1000),
            processedPerSec: Math.round((answered / result.windowMs) * 1000),
            conflictRate: answered ? round(result.windowConflicts / answered, 3) : null,
            p50Ms: latency.p50Ms,
            p99Ms: latency.p99Ms,
            maxMs: latency.maxMs,
            versionsExact: result.snapshotVersionSum === result.accepted ? 1 : 0,
            otherErrors: Object.values(result.otherErrors).reduce((sum, n) => sum + n, 0),
            ...commandCpu(sample, result.clientCpuPct, answered),
            rssMb,
          };
          const notes = errorsNote(result.otherErrors);
          if (result.snapshotVersionSum !== result.accepted) {
            notes.push(
              `versions mismatch: ${result.accepted} accepted, snapshot Σ(version − 1) = ${result.snapshotVersionSum}`,
            );
          }
          return measuredCell(metrics, result.clientCpuPct, notes);
        },
        async (server, cell) => {
          if (server.database && outcome)
            cell.verification = await verifyListVersions(server.database, outcome.listId, outcome.accepted);
        },
      );
    },
  };
}
