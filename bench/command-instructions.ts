/**
 * Instructions per command, a count that does not depend on how loaded the machine is: the server
 * runs under Valgrind's callgrind with instrumentation off, clients drive it closed-loop (each
 * keeps a window of commands in flight and sends the next when one is acked), and instrumentation
 * is switched on only for a fixed number of commands after a warm-up. The figure is the server
 * process's instructions (every thread: JIT code, GC, SQLite, the kernel's side excluded) divided
 * by the acked commands of each measured phase.
 *
 *   npm run bench:command-instructions -- --server tandem|baseline --scenario chat-persist|scoreboard-increments
 *     [--senders 20] [--window 4] [--warmup 300] [--count 100] [--phases 5] [--top 0] [--shared-room]
 *   npm run bench:command-instructions -- --phase <command>[,<command>…]|all
 *     [--senders 20] [--round 30] [--warmup 40] [--count 20] [--phases 3] [--top 0]
 *
 * `--phase` counts commands of `command-costs` instead (Tandem only): its users (`--senders`),
 * one command in flight each, first run a round of `round` commands per user of every phase
 * (the server's warm-up), then its phases in their order, each on what the ones before made;
 * a phase not measured runs `warmup + phases × count` commands per user uninstrumented (so that
 * later phases find enough to work on), a measured one `warmup`, then its phases of `count`.
 *
 * chat-persist gives each sender a room of its own (each message reaches its sender alone);
 * `--shared-room` puts every sender in one room, as command-costs does: the difference per
 * command, over the senders less one, is what delivering a message to one more member costs.
 *
 * `--top N` also prints the N functions with the most self instructions per command over all
 * phases, V8's generated code named through `--perf-basic-prof`, and keeps the dumps and the
 * code map (for `callgrind_annotate` or a look at who calls what).
 *
 * `--warmup` and `--count` are commands per sender. Node under callgrind is 50–100× slower, so a
 * run takes minutes; closed-loop, that changes the pace, not the work per command.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { control, perfMap, readCallgrind, type CallgrindDump } from './callgrind.js';
import { closeCommandCosts, commandLoad, scenarioLoad, type Options } from './instruction-loads.js';
import { drivers } from './load/command-drivers.js';
import { startServer } from './servers.js';

function options(argv: string[]): Options {
  const value = (name: string, fallback: string) => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1] : fallback;
  };
  const server = value('server', 'tandem');
  const scenario = value('scenario', 'chat-persist');
  if (server !== 'tandem' && server !== 'baseline') throw new Error(`--server tandem|baseline, not ${server}`);
  if (scenario !== 'chat-persist' && scenario !== 'scoreboard-increments')
    throw new Error(`--scenario chat-persist|scoreboard-increments, not ${scenario}`);
  if (scenario === 'scoreboard-increments' && server === 'baseline') throw new Error('the baseline serves chat only');
  const phase = value('phase', '');
  const known = drivers.map(([name]) => name);
  const commands = phase === 'all' ? known : phase.split(',').filter(Boolean);
  const unknown = commands.filter((name) => !known.includes(name));
  if (unknown.length) throw new Error(`--phase: unknown ${unknown.join(', ')}; known: ${known.join(', ')}`);
  if (commands.length && server !== 'tandem') throw new Error('--phase counts Tandem only');
  return {
    server,
    scenario,
    senders: Number(value('senders', '20')),
    window: Number(value('window', '4')),
    warmup: Number(value('warmup', commands.length ? '40' : '300')),
    count: Number(value('count', commands.length ? '20' : '100')),
    phases: Number(value('phases', commands.length ? '3' : '5')),
    top: Number(value('top', '0')),
    sharedRoom: argv.includes('--shared-room'),
    commands,
    round: Number(value('round', '30')),
  };
}

/** Dump `dumps`, which callgrind wrote into `dir`. */
function lastDump(dir: string, dumps: number, name?: (address: string) => string | undefined): CallgrindDump {
  const file = path.join(dir, `callgrind.out.${dumps}`);
  if (!existsSync(file)) throw new Error(`callgrind wrote no dump ${dumps} into ${dir}`);
  return readCallgrind(file, name);
}

/** A dump's instructions less V8's optimizing compiler and collector, which come in lumps. */
function lessCompilerAndCollector(dump: CallgrindDump): number {
  return dump.total - (dump.groups.get('V8 optimizing compiler') ?? 0) - (dump.groups.get('V8 collector') ?? 0);
}

function median(values: number[]): number {
  return Math.round([...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]);
}

/** The functions with the most self instructions per command over the dumps of one measurement. */
function printTop(
  dir: string,
  dumps: number[],
  commands: number,
  top: number,
  name: (address: string) => string | undefined,
): void {
  const functions = new Map<string, number>();
  for (const dump of dumps)
    for (const [fn, cost] of lastDump(dir, dump, name).functions) functions.set(fn, (functions.get(fn) ?? 0) + cost);
  for (const [fn, cost] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${String(Math.round(cost / commands)).padStart(8)}  ${fn.slice(0, 160)}`);
}

async function main(): Promise<void> {
  const args = options(process.argv.slice(2));
  const dir = mkdtempSync(path.join(tmpdir(), `tandem-instructions-${args.server}-`));
  const server = await startServer(args.server, {
    wrapper: {
      argv: [
        'valgrind',
        '--tool=callgrind',
        '--instr-atstart=no',
        `--callgrind-out-file=${path.join(dir, 'callgrind.out')}`,
      ],
      nodeArgs: args.top > 0 ? ['--perf-basic-prof', `--logfile=${path.join(dir, 'v8.log')}`] : [],
      env: {},
      startLimitMs: 600_000,
    },
  });
  const sockets: Socket[] = [];
  let dumps = 0;
  try {
    const load = args.commands.length
      ? await commandLoad(args, server.url)
      : await scenarioLoad(args, server.url, sockets);
    for (const { label, warmUp, phase } of load) {
      await warmUp();
      await control(args.server, server.pid, ['--instr=on']);
      const [acked, perCommand, mutatorPerCommand, measuredDumps]: number[][] = [[], [], [], []];
      for (let run = 1; run <= args.phases; run++) {
        acked.push(await phase());
        await control(args.server, server.pid, ['--dump']);
        measuredDumps.push(++dumps);
        const dump = lastDump(dir, dumps);
        perCommand.push(dump.total / acked.at(-1)!);
        mutatorPerCommand.push(lessCompilerAndCollector(dump) / acked.at(-1)!);
      }
      await control(args.server, server.pid, ['--instr=off']);
      // The code map grows as V8 compiles: read it after the phases.
      const name = args.top > 0 ? perfMap(`/tmp/perf-${server.pid}.map`) : undefined;
      if (name)
        printTop(
          dir,
          measuredDumps,
          acked.reduce((sum, count) => sum + count, 0),
          args.top,
          name,
        );
      // A phase can hold a WAL checkpoint or a major collection: the median of the phases is the figure.
      const { commands, scenario, window, sharedRoom, round, ...common } = args;
      const shown = commands.length ? { ...common, round } : { ...common, scenario, window, sharedRoom };
      console.log(
        JSON.stringify({
          measured: label,
          ...shown,
          commandsPerPhase: acked,
          instructionsPerCommand: perCommand.map(Math.round),
          median: median(perCommand),
          lessCompilerAndCollector: mutatorPerCommand.map(Math.round),
          lessCompilerAndCollectorMedian: median(mutatorPerCommand),
        }),
      );
    }
    if (args.top > 0) copyFileSync(`/tmp/perf-${server.pid}.map`, path.join(dir, 'perf.map'));
  } finally {
    for (const socket of sockets) socket.disconnect();
    if (args.commands.length) await closeCommandCosts();
    await server.kill();
    await server.cleanup();
    rmSync(`/tmp/perf-${server.pid}.map`, { force: true });
    if (args.top > 0) console.log(`dumps and the code map: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
