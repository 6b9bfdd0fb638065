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
import { Namespace, ScoreboardCommand, timeOrderedId } from '@tandem/contract';
import type { Socket } from 'socket.io-client';
import { control, perfMap, readCallgrind, type CallgrindDump } from './callgrind.js';
import { chatProtocol, signIn, tandemAckError, type ServerKind } from './load/protocol.js';
import { command, connectSio } from './load/sio.js';
import { startServer } from './servers.js';

interface Options {
  server: ServerKind;
  scenario: 'chat-persist' | 'scoreboard-increments';
  senders: number;
  window: number;
  warmup: number;
  count: number;
  phases: number;
  /** With a count: the top functions by self instructions per command, over all phases. */
  top: number;
  /** chat-persist: every sender in one room (each message reaches every sender). */
  sharedRoom: boolean;
}

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
  return {
    server,
    scenario,
    senders: Number(value('senders', '20')),
    window: Number(value('window', '4')),
    warmup: Number(value('warmup', '300')),
    count: Number(value('count', '100')),
    phases: Number(value('phases', '5')),
    top: Number(value('top', '0')),
    sharedRoom: argv.includes('--shared-room'),
  };
}

/** One sender: sends the next command when one is acked; fails loudly on an error ack. */
type Send = () => Promise<unknown>;

/** Runs `perSender` commands on every sender, `window` in flight each; resolves when all are acked. */
async function closedLoop(sends: Send[], window: number, perSender: number): Promise<void> {
  await Promise.all(
    sends.map(async (send) => {
      let left = perSender;
      const lane = async () => {
        while (left > 0) {
          left--;
          const ack = await send();
          const error = tandemAckError(ack);
          if (error) throw new Error(`command failed: ${error} ${JSON.stringify(ack).slice(0, 300)}`);
        }
      };
      await Promise.all(Array.from({ length: window }, lane));
    }),
  );
}

async function chatSenders(
  kind: ServerKind,
  url: string,
  count: number,
  sharedRoom: boolean,
): Promise<{ sends: Send[]; sockets: Socket[] }> {
  const protocol = chatProtocol(kind, url);
  const sockets: Socket[] = [];
  const sends: Send[] = [];
  const padding = 'p'.repeat(100);
  /** With `sharedRoom`: the room the first sender made, which the others join. */
  let shared: string | undefined;
  for (let index = 0; index < count; index++) {
    const socket = await connectSio(url, '/chat', await protocol.signIn(`writer ${index}`), 600_000);
    let roomId = shared ?? `persist-${index}`;
    if (kind === 'tandem' && shared === undefined) {
      const ack = await command(socket, protocol.createRoom.event, protocol.createRoom.payload(roomId), 600_000);
      roomId = protocol.createRoom.roomId(ack, roomId);
    }
    await command(socket, protocol.join.event, protocol.join.payload(roomId), 600_000);
    if (sharedRoom) shared = roomId;
    let sent = 0;
    sockets.push(socket);
    sends.push(() =>
      command(
        socket,
        protocol.send.event,
        protocol.send.payload(roomId, `writer ${index} message ${++sent} ${padding}`),
        600_000,
      ),
    );
  }
  return { sends, sockets };
}

async function scoreboardSenders(url: string, count: number): Promise<{ sends: Send[]; sockets: Socket[] }> {
  const owner = await connectSio(
    url,
    Namespace.Scoreboard,
    { token: (await signIn(url, 'scorekeeper')).token },
    600_000,
  );
  const created = (await command(owner, ScoreboardCommand.BoardCreate, { name: 'bench board' }, 600_000)) as {
    data: { board: { id: string } };
  };
  const boardId = created.data.board.id;
  const playerIds: string[] = [];
  for (let i = 0; i < 10; i++) {
    const added = (await command(
      owner,
      ScoreboardCommand.PlayerAdd,
      { opId: timeOrderedId(), boardId, name: `player ${i}` },
      600_000,
    )) as { data: { player: { id: string } } };
    playerIds.push(added.data.player.id);
  }
  const sockets: Socket[] = [owner];
  const sends: Send[] = [];
  for (let index = 0; index < count; index++) {
    const socket = await connectSio(
      url,
      Namespace.Scoreboard,
      { token: (await signIn(url, `incrementer ${index}`)).token },
      600_000,
    );
    await command(socket, ScoreboardCommand.BoardJoin, { boardId }, 600_000);
    sockets.push(socket);
    let turn = index;
    sends.push(() =>
      command(
        socket,
        ScoreboardCommand.ScoreAdd,
        { opId: timeOrderedId(), boardId, playerId: playerIds[turn++ % playerIds.length], delta: 1 + (turn % 5) },
        600_000,
      ),
    );
  }
  return { sends, sockets };
}

/** Dump `dumps`, which callgrind wrote into `dir`. */
function lastDump(dir: string, dumps: number, name?: (address: string) => string | undefined): CallgrindDump {
  const file = path.join(dir, `callgrind.out.${dumps}`);
  if (!existsSync(file)) throw new Error(`callgrind wrote no dump ${dumps} into ${dir}`);
  return readCallgrind(file, name);
}

/** The functions with the most self instructions per command over all phases. */
function printTop(dir: string, args: Options, pid: number): void {
  const name = perfMap(`/tmp/perf-${pid}.map`);
  const functions = new Map<string, number>();
  for (let phase = 1; phase <= args.phases; phase++)
    for (const [fn, cost] of lastDump(dir, phase, name).functions) functions.set(fn, (functions.get(fn) ?? 0) + cost);
  const commands = args.senders * args.count * args.phases;
  for (const [fn, cost] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, args.top))
    console.log(`${String(Math.round(cost / commands)).padStart(8)}  ${fn.slice(0, 160)}`);
  copyFileSync(`/tmp/perf-${pid}.map`, path.join(dir, 'perf.map'));
  rmSync(`/tmp/perf-${pid}.map`, { force: true });
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
  const url = server.url;
  const sockets: Socket[] = [];
  try {
    const { sends, sockets: opened } =
      args.scenario === 'chat-persist'
        ? await chatSenders(args.server, url, args.senders, args.sharedRoom)
        : await scoreboardSenders(url, args.senders);
    sockets.push(...opened);
    await closedLoop(sends, args.window, args.warmup);
    await control(args.server, server.pid, ['--instr=on']);
    const perCommand: number[] = [];
    for (let phase = 1; phase <= args.phases; phase++) {
      await closedLoop(sends, args.window, args.count);
      await control(args.server, server.pid, ['--dump']);
      perCommand.push(lastDump(dir, phase).total / (args.senders * args.count));
    }
    if (args.top > 0) printTop(dir, args, server.pid);
    // A phase can hold a WAL checkpoint or a major collection: the median of the phases is the figure.
    const sorted = [...perCommand].sort((x, y) => x - y);
    console.log(
      JSON.stringify({
        ...args,
        commandsPerPhase: args.senders * args.count,
        instructionsPerCommand: perCommand.map(Math.round),
        median: Math.round(sorted[Math.floor(sorted.length / 2)]),
      }),
    );
  } finally {
    for (const socket of sockets) socket.disconnect();
    await server.kill();
    await server.cleanup();
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
