/**
 * What `command-instructions` drives: closed-loop senders of `chat-persist` and
 * `scoreboard-increments`, or `command-costs`' phases, each as a measurement of a warm-up and
 * phases that ack a known number of commands.
 */
import { Namespace, ScoreboardCommand, timeOrderedId } from '@tandem/contract';
import type { Socket } from 'socket.io-client';
import { close as closeCommandCosts, handlers as commandCosts, runCounted } from './load/commands.js';
import { drivers } from './load/command-drivers.js';
import { chatProtocol, signIn, tandemAckError, type ServerKind } from './load/protocol.js';
import { command, connectSio } from './load/sio.js';

export { closeCommandCosts };

export interface Options {
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
  /** `command-costs` phases to count instead of a scenario (empty: the scenario). */
  commands: string[];
  /** With phases: commands per user of every phase, uninstrumented, before the first counted one. */
  round: number;
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

/** One count: a warm-up, then phases that each ack some commands (how many: `phase`'s answer). */
export interface Measured {
  label: string;
  warmUp: () => Promise<void>;
  phase: () => Promise<number>;
}

export async function scenarioLoad(args: Options, url: string, sockets: Socket[]): Promise<Measured[]> {
  const { sends, sockets: opened } =
    args.scenario === 'chat-persist'
      ? await chatSenders(args.server, url, args.senders, args.sharedRoom)
      : await scoreboardSenders(url, args.senders);
  sockets.push(...opened);
  const warmUp = () => closedLoop(sends, args.window, args.warmup);
  const phase = () => closedLoop(sends, args.window, args.count).then(() => sends.length * args.count);
  return [{ label: args.scenario, warmUp, phase }];
}

/**
 * `command-costs`' phases in their order up to the last one asked: each asked one counted, the
 * others run in the warm-up of the next asked one, long enough to leave later phases their work.
 */
export async function commandLoad(args: Options, url: string): Promise<Measured[]> {
  const ready = (await commandCosts.setup({ url, users: args.senders } as never)) as { available: boolean };
  if (!ready.available) throw new Error(`command-costs setup: ${JSON.stringify(ready)}`);
  const counted = (phase: string, count: number) => async () => {
    const { acked, errors } = await runCounted(phase, count);
    if (Object.keys(errors).length) throw new Error(`${phase}: error acks ${JSON.stringify(errors)}`);
    if (acked === 0) throw new Error(`${phase}: nothing to send (raise --warmup)`);
    return acked;
  };
  const measured: Measured[] = [];
  // The server's warm-up (V8 compiling the paths every command shares) goes into a round of every
  // phase, not into the first counted phase's figures.
  let before: string[] = [];
  let round = drivers.map(([phase]) => phase);
  for (const [phase] of drivers) {
    if (measured.length === args.commands.length) break;
    if (!args.commands.includes(phase)) {
      before.push(phase);
      continue;
    }
    const [earlier, warmUpRound] = [before, round];
    [before, round] = [[], []];
    measured.push({
      label: phase,
      warmUp: async () => {
        for (const name of warmUpRound) if (args.round > 0) await counted(name, args.round)();
        for (const name of earlier) await counted(name, args.warmup + args.phases * args.count)();
        await counted(phase, args.warmup)();
      },
      phase: counted(phase, args.count),
    });
  }
  return measured;
}
