/**
 * `npm run bench:fanout-instructions [-- --clients N] [--warmup N] [--blocks N] [--messages N] [--idle-ms MS] [--settle-ms MS] [--only tandem|baseline] [--top N] [--out DIR]`
 *
 * Instructions the server executes per fan-out delivery, counted by `valgrind --tool=callgrind`,
 * so the figure does not depend on the machine's speed or load (the kernel's work is not
 * counted). Each server runs under callgrind with instrumentation off; N light clients join one
 * room; `--warmup` messages are sent closed loop (each only after every client received the one
 * before and its ack came back, so the pace is the server's, however slow), the compiler's queued
 * jobs get `--settle-ms`, then instrumentation goes on: an idle stretch is counted (what follows
 * the clock: timers, pings), then `--blocks` blocks of `--messages` messages closed loop, each
 * dumped on its own. Per block and delivery: all instructions, the same less the idle rate over
 * the block's wall time, the collector's and the optimizing compiler's (both come in lumps), and
 * the rest. The split by where the code lives (node's C++, V8's builtins and interpreter, code V8
 * generated, named through `--perf-basic-prof`, the C library) and the top functions are over all
 * blocks.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { control, perfMap, readCallgrind, type CallgrindDump } from './callgrind.js';
import { setUpRoom } from './chat-fanout.js';
import { sleep } from './rig.js';
import { startServer, type ServerKind } from './servers.js';
import { LoadWorker } from './workers.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    messages: { type: 'string', default: '100' },
    blocks: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '300' },
    'idle-ms': { type: 'string', default: '20000' },
    'settle-ms': { type: 'string', default: '10000' },
    only: { type: 'string' },
    out: { type: 'string' },
    top: { type: 'string', default: '25' },
  },
});

const clients = Number(values.clients);
const messages = Number(values.messages);
const blocks = Number(values.blocks);
const warmup = Number(values.warmup);
const idleMs = Number(values['idle-ms']);
const settleMs = Number(values['settle-ms']);
const top = Number(values.top);
const kinds = (values.only ? values.only.split(',') : ['baseline', 'tandem']) as ServerKind[];
for (const [name, value] of Object.entries({ clients, messages, blocks, warmup, idleMs, settleMs, top })) {
  if (!Number.isInteger(value) || value < (['warmup', 'idleMs', 'settleMs'].includes(name) ? 0 : 1)) {
    console.error(`--${name} must be a whole number, got ${String(value)}`);
    process.exit(2);
  }
}
if (kinds.some((kind) => kind !== 'tandem' && kind !== 'baseline')) {
  console.error(`--only takes tandem, baseline or both, got ${values.only}`);
  process.exit(2);
}
const outDir = values.out ? path.resolve(values.out) : mkdtempSync(path.join(tmpdir(), 'tandem-instructions-'));
mkdirSync(outDir, { recursive: true });
const vgdbPrefix = path.join(outDir, 'vgdb');

interface Block {
  deliveries: number;
  ms: number;
  dump: CallgrindDump;
}

interface Count {
  kind: ServerKind;
  idleRatePerSec: number;
  blocks: Block[];
}

/** The newest dump of a process: dumps are numbered `callgrind.out.<pid>.<n>`. */
function latestDump(pid: number): string {
  const prefix = `callgrind.out.${pid}.`;
  const numbered = readdirSync(outDir)
    .filter((name) => name.startsWith(prefix))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)));
  if (!numbered.length) throw new Error(`no callgrind dump of ${pid} in ${outDir}`);
  return path.join(outDir, numbered[numbered.length - 1]);
}

async function count(kind: ServerKind): Promise<Count> {
  const argv = [
    'valgrind',
    '--tool=callgrind',
    '--instr-atstart=no',
    '--smc-check=all-non-file',
    `--vgdb-prefix=${vgdbPrefix}`,
    `--callgrind-out-file=${outDir}/callgrind.out.%p`,
  ];
  // `--perf-basic-prof`: V8 writes where each piece of generated code lives, to name it (and a
  // log, which goes beside the dumps).
  // Receivers never turn "away" (after 3 minutes by default): the bench's runs end well before,
  // these take longer, and the clock is not what is counted.
  const env = { PRESENCE_AWAY_MS: String(86_400_000) };
  const wrapper = {
    argv,
    nodeArgs: ['--perf-basic-prof', `--logfile=${path.join(outDir, 'v8.log')}`],
    env,
    startLimitMs: 600_000,
  };
  const server = await startServer(kind, { wrapper });
  const worker = LoadWorker.start('fanout');
  const limitMs = 300_000;
  const loop = (n: number) =>
    worker.call<{ deliveries: number }>('closedLoop', { messages: n, limitMs }, Math.min(n * limitMs, 2 ** 31 - 1));
  try {
    await setUpRoom(worker, kind, 'socket.io', server.url, clients, 2);
    if (warmup) await loop(warmup);
    // The compiler's background jobs queued by the warm-up finish before anything is counted.
    await sleep(settleMs);
    await control(kind, server.pid, ['--instr=on'], vgdbPrefix);
    let idleRatePerSec = 0;
    if (idleMs) {
      const idleStarted = performance.now();
      await sleep(idleMs);
      await control(kind, server.pid, ['--dump=idle'], vgdbPrefix);
      idleRatePerSec = (readCallgrind(latestDump(server.pid)).total / (performance.now() - idleStarted)) * 1000;
    }
    const dumps: { deliveries: number; ms: number; file: string }[] = [];
    for (let block = 1; block <= blocks; block++) {
      const started = performance.now();
      const { deliveries } = await loop(messages);
      await control(kind, server.pid, [`--dump=block ${block}`], vgdbPrefix);
      dumps.push({ deliveries, ms: performance.now() - started, file: latestDump(server.pid) });
    }
    // V8 writes the map into /tmp; it goes beside the dumps.
    const map = path.join(outDir, `perf-${server.pid}.map`);
    copyFileSync(`/tmp/perf-${server.pid}.map`, map);
    rmSync(`/tmp/perf-${server.pid}.map`);
    const name = perfMap(map);
    return { kind, idleRatePerSec, blocks: dumps.map((dump) => ({ ...dump, dump: readCallgrind(dump.file, name) })) };
  } finally {
    await worker.stop();
    await server.stop();
    await server.cleanup();
  }
}

const format = (value: number) => Math.round(value).toLocaleString('en-US');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
/** The blocks' work less the collector's and the optimizing compiler's, which come in lumps. */
const mutator = (dump: CallgrindDump) =>
  dump.total - (dump.groups.get('V8 collector') ?? 0) - (dump.groups.get('V8 optimizing compiler') ?? 0);
const perDelivery = (result: Count) => median(result.blocks.map((block) => mutator(block.dump) / block.deliveries));

function sum(maps: Map<string, number>[]): Map<string, number> {
  const total = new Map<string, number>();
  for (const map of maps) for (const [key, value] of map) total.set(key, (total.get(key) ?? 0) + value);
  return total;
}

function report(result: Count): void {
  console.log(`\n${result.kind}: ${blocks} blocks of ${messages} messages × ${clients} clients`);
  console.log(`  idle rate before the blocks: ${format(result.idleRatePerSec)} instructions/s`);
  for (const [index, block] of result.blocks.entries()) {
    const per = (value: number) => format(value / block.deliveries);
    const background = (result.idleRatePerSec * block.ms) / 1000;
    const { groups } = block.dump;
    console.log(
      `  block ${index + 1}: ${format(block.deliveries)} deliveries in ${(block.ms / 1000).toFixed(1)} s; per delivery ${per(block.dump.total)} (${per(block.dump.total - background)} less the idle rate), collector ${per(groups.get('V8 collector') ?? 0)}, compiler ${per(groups.get('V8 optimizing compiler') ?? 0)}, the rest ${per(mutator(block.dump))}`,
    );
  }
  console.log(
    `  per delivery less the collector and the compiler, median of the blocks: ${format(perDelivery(result))}`,
  );
  const deliveries = result.blocks.reduce((total, block) => total + block.deliveries, 0);
  const instructions = result.blocks.reduce((total, block) => total + block.dump.total, 0);
  console.log(`  per delivery, all blocks: ${format(instructions / deliveries)}`);
  console.log('  by where the code lives, all blocks (self, per delivery, share):');
  for (const [group, cost] of [...sum(result.blocks.map((block) => block.dump.groups))].sort((a, b) => b[1] - a[1])) {
    const share = ((cost / instructions) * 100).toFixed(1).padStart(5);
    console.log(`    ${format(cost / deliveries).padStart(8)}  ${share} %  ${group}`);
  }
  console.log(`  top ${top} functions, all blocks (self, per delivery):`);
  const functions = sum(result.blocks.map((block) => block.dump.functions));
  for (const [fn, cost] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`    ${format(cost / deliveries).padStart(8)}  ${fn.slice(0, 150)}`);
  }
}

const results: Count[] = [];
for (const kind of kinds) {
  console.error(
    `${kind}: under callgrind, ${clients} clients, ${warmup} messages of warm-up, ${blocks} × ${messages} counted`,
  );
  const result = await count(kind);
  results.push(result);
  report(result);
}
if (results.length === 2) {
  const [a, b] = results;
  const all = (result: Count) =>
    result.blocks.reduce((total, block) => total + block.dump.total, 0) /
    result.blocks.reduce((total, block) => total + block.deliveries, 0);
  console.log(
    `\n${b.kind} / ${a.kind} per delivery: ${(all(b) / all(a)).toFixed(3)} in all blocks, ${(perDelivery(b) / perDelivery(a)).toFixed(3)} less the collector and the compiler`,
  );
}
console.log(`\ndumps in ${outDir} (callgrind_annotate <file>)`);
