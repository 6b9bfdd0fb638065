/**
 * `command-costs`: every mutating command of /chat, /scoreboard and /lists (and the joins and
 * the lists' HTTP mirror), one after another on one server and database, each driven closed-loop
 * by enough users to keep the server busy; the server's CPU per acked command and acked/s for
 * each, in one table. Afterwards what the acks said is compared with the database.
 */
import type { PhaseResult } from './load/commands.js';
import {
  errorsNote,
  measuredCell,
  round,
  runWindow,
  withRig,
  windowProfile,
  type Metrics,
  type Scenario,
} from './rig.js';
import { verifyCommandEffects, type CommandEffects } from './verify.js';

/** The metric names of one command's figures: `<command> µs`, `<command> acked/s` and `<command> per transaction`. */
const commandMetric = {
  cpu: (name: string) => `${name} µs`,
  rate: (name: string) => `${name} acked/s`,
  batch: (name: string) => `${name} per transaction`,
};

/**
 * The server's write transactions so far and the writes they committed, from its
 * `tandem_db_write_batch_size` histogram: between two reads, the commands per transaction (group
 * commit), which the CPU per command depends on.
 */
async function writeBatches(url: string): Promise<{ transactions: number; writes: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    transactions: value('tandem_db_write_batch_size_count'),
    writes: value('tandem_db_write_batch_size_sum'),
  };
}

/** The table's rows of the commands a summary has figures for, in the order they ran. */
export function commandLabels(summary: Record<string, unknown> | null): [string, string][] {
  const cpu = commandMetric.cpu('');
  const names = Object.keys(summary ?? {})
    .filter((key) => key.endsWith(cpu))
    .map((key) => key.slice(0, -cpu.length));
  return names.flatMap((name): [string, string][] => [
    [commandMetric.cpu(name), `${name}: server CPU µs/command`],
    [commandMetric.rate(name), `${name}: acked/s`],
    [commandMetric.batch(name), `${name}: commands per transaction`],
  ]);
}

export function commandCostsScenario(): Scenario {
  return {
    name: 'command-costs',
    description:
      'each mutating command in turn (items, list renames and joins, the HTTP mirror, messages, edits, reactions, read markers, deletes, room renames and joins, players, scores, resets), one in flight per user; server CPU µs per acked command and acked/s for each; every effect checked in the database',
    sides: ['tandem'],
    run: (kind, context) => {
      const users = context.quick ? 20 : 40;
      const [warmupMs, measureMs] = context.quick ? [300, 1_000] : [1_000, 3_000];
      let effects: CommandEffects | undefined;
      return withRig(
        kind,
        'commands',
        context,
        async (server, worker) => {
          const setup = await worker.call<{ phases: string[] }>('setup', { url: server.url, users }, 120_000);
          const metrics: Metrics = { users };
          const notes: string[] = [];
          let clientCpuPct = 0;
          let machineCpuPct = 0;
          let otherCpuPct = 0;
          // A round of every phase first, unmeasured, so that the server's warm-up (V8 compiling
          // the shared socket, Nest and SQLite paths) is not charged to whichever phase runs first.
          for (const phase of setup.phases) {
            const round = await worker.call<PhaseResult>('run', { phase, warmupMs, measureMs: 0 }, warmupMs + 60_000);
            notes.push(...errorsNote(round.errors).map((note) => `${phase} (warm-up round): ${note}`));
          }
          for (const phase of setup.phases) {
            const profile = windowProfile(kind, context, `command-costs-${phase.replace(/\W+/g, '-')}`);
            const batchesBefore = await writeBatches(server.url);
            const [result, sample] = await runWindow<PhaseResult>(
              server,
              worker,
              { phase },
              warmupMs,
              measureMs,
              profile,
            );
            metrics[commandMetric.cpu(phase)] = result.windowAcked
              ? round(sample.serverCpuUs / result.windowAcked, 1)
              : null;
            metrics[commandMetric.rate(phase)] = Math.round((result.windowAcked / result.windowMs) * 1000);
            // Over the phase's warm-up and window; none for the HTTP read, which writes nothing.
            const batchesAfter = await writeBatches(server.url);
            const transactions = batchesAfter.transactions - batchesBefore.transactions;
            metrics[commandMetric.batch(phase)] =
              transactions > 0 ? round((batchesAfter.writes - batchesBefore.writes) / transactions, 1) : null;
            clientCpuPct = Math.max(clientCpuPct, result.clientCpuPct);
            machineCpuPct = Math.max(machineCpuPct, sample.machineCpuPct ?? 0);
            otherCpuPct = Math.max(
              otherCpuPct,
              (sample.machineCpuPct ?? 0) - sample.serverCpuPct - result.clientCpuPct,
            );
            notes.push(...errorsNote(result.errors).map((note) => `${phase}: ${note}`));
            if (result.exhausted)
              notes.push(`${phase}: ${result.exhausted} users had nothing left to send before the window ended`);
          }
          effects = await worker.call<CommandEffects>('expected', {}, 30_000);
          Object.assign(metrics, { clientCpuPct, machineCpuPct, otherCpuPct: Math.max(0, round(otherCpuPct)) });
          return measuredCell(metrics, clientCpuPct, notes);
        },
        async (server, cell) => {
          if (server.database && effects) cell.verification = await verifyCommandEffects(server.database, effects);
        },
      );
    },
  };
}
