/** How `join-storm`'s figures are labelled in the table, and checked against the targets. */
import type { SideSummary, TargetCheck } from './report.js';

const phases = [
  ['first', 'first joins'],
  ['rejoin', 'rejoins after kill -9'],
] as const;

export const joinStormLabels: [string, string][] = phases.flatMap(([phase, when]): [string, string][] => [
  [`${phase}Joined`, `${when}: acked`],
  [`${phase}JoinsPerSec`, `${when}: joins/s`],
  [`${phase}AckP50Ms`, `${when}: ack p50 ms`],
  [`${phase}AckP99Ms`, `${when}: ack p99 ms`],
  [`${phase}EventsPerSocket`, `${when}: events per socket`],
  [`${phase}PresenceEventsPerSocket`, `${when}: presence events per socket`],
  [`${phase}PresenceKbPerSocket`, `${when}: presence KB per socket`],
  [`${phase}NoticesPerSocket`, `${when}: join notices per socket`],
  [`${phase}MaxEventsOneSocket`, `${when}: most events on one socket`],
  [`${phase}Disconnects`, `${when}: disconnects`],
  [`${phase}LoopP99Ms`, `${when}: loop delay p99 ms`],
  [`${phase}LoopMaxMs`, `${when}: loop delay max ms`],
  [`${phase}ServerCpuMsPerJoin`, `${when}: server CPU ms per join`],
  [`${phase}ReachAllMs`, `${when}: one message to all ms`],
  [`${phase}Reached`, `${when}: members reached`],
]);

/** The targets for a room of N joining at once, for both phases. */
export function joinStormChecks(storm: SideSummary | null | undefined): TargetCheck[] {
  if (!storm?.available) return [];
  const checks: TargetCheck[] = [];
  const users = Number(storm.users);
  for (const [phase] of phases) {
    const value = (key: string) => {
      const measured = storm[`${phase}${key}`];
      return typeof measured === 'number' ? measured : null;
    };
    const check = (target: string, measured: number | null, limit: string, pass: (v: number) => boolean) =>
      checks.push({
        target: `join storm ${users} (${phase}): ${target}`,
        value: measured,
        limit,
        pass: measured === null ? null : pass(measured),
      });
    check('all acked', value('Joined'), `= ${users}`, (v) => v === users);
    check('joins/s', value('JoinsPerSec'), '≥ 2,000', (v) => v >= 2_000);
    check('events per socket', value('EventsPerSocket'), '≤ 3', (v) => v <= 3);
    check('disconnects', value('Disconnects'), '= 0', (v) => v === 0);
    check('event-loop p99 ms', value('LoopP99Ms'), '< 100', (v) => v < 100);
    check('one message to all, ms', value('ReachAllMs'), '≤ 1,000', (v) => v <= 1_000);
  }
  return checks;
}
