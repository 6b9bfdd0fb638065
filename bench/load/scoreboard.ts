/**
 * Scoreboard increments: several users add to the players of one board with acked `score:add`
 * commands (a window in flight each); an observer counts the coalesced `board:state` broadcasts.
 * Afterwards the final broadcast state and a fresh snapshot must both equal the acked sum exactly.
 */
import { performance } from 'node:perf_hooks';
import {
  Namespace,
  ScoreboardBroadcast,
  ScoreboardCommand,
  timeOrderedId,
  type Ack,
  type BoardState,
  type ScoreboardCommandResults,
} from '@tandem/contract';
import type { Socket } from 'socket.io-client';
import { Histogram, type HistogramData } from '../histogram.js';
import { countBy, cpuMeter, pool, sleep, waitFor } from './common.js';
import { signIn, tandemAckError } from './protocol.js';
import type { Handler } from './serve.js';
import { command, connectSio } from './sio.js';

export interface ScoreboardSetup {
  url: string;
  incrementers: number;
  players: number;
}

let observer: Socket | undefined;
let incrementers: Socket[] = [];
let boardId = '';
let playerIds: string[] = [];
let latestState: BoardState | undefined;
let statesReceived = 0;

function total(players: { score: number }[]): number {
  return players.reduce((sum, player) => sum + player.score, 0);
}

async function setup(args: ScoreboardSetup): Promise<unknown> {
  const owner = await signIn(args.url, 'scorekeeper');
  try {
    observer = await connectSio(args.url, Namespace.Scoreboard, { token: owner.token }, 10_000);
  } catch (error) {
    return {
      available: false,
      reason: `${Namespace.Scoreboard}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const created = (await command(observer, ScoreboardCommand.BoardCreate, { name: 'bench board' }, 10_000)) as Ack<
    ScoreboardCommandResults['board:create']
  >;
  if (!created.ok) return { available: false, reason: `board:create: ${created.error.code} ${created.error.message}` };
  boardId = created.data.board.id;
  observer.on(ScoreboardBroadcast.BoardState, (state: BoardState) => {
    statesReceived++;
    if (!latestState || state.seq >= latestState.seq) latestState = state;
  });
  const joined = (await command(observer, ScoreboardCommand.BoardJoin, { boardId }, 10_000)) as Ack<unknown>;
  if (!joined.ok) return { available: false, reason: `board:join: ${joined.error.code}` };
  playerIds = [];
  for (let i = 0; i < args.players; i++) {
    const added = (await command(
      observer,
      ScoreboardCommand.PlayerAdd,
      { opId: timeOrderedId(), boardId, name: `player ${i}` },
      10_000,
    )) as Ack<ScoreboardCommandResults['player:add']>;
    if (!added.ok) return { available: false, reason: `player:add: ${added.error.code} ${added.error.message}` };
    playerIds.push(added.data.player.id);
  }
  incrementers = new Array<(typeof incrementers)[number]>(args.incrementers);
  await pool(args.incrementers, 10, async (index) => {
    const session = await signIn(args.url, `incrementer ${index}`);
    const socket = await connectSio(args.url, Namespace.Scoreboard, { token: session.token }, 10_000);
    const ack = (await command(socket, ScoreboardCommand.BoardJoin, { boardId }, 10_000)) as Ack<unknown>;
    if (!ack.ok) throw new Error(`board:join: ${ack.error.code}`);
    incrementers[index] = socket;
  });
  return { available: true, boardId };
}

export interface ScoreboardResult {
  sent: number;
  ackedOk: number;
  windowAcks: number;
  windowMs: number;
  ackErrors: Record<string, number>;
  ackLatency: HistogramData;
  statesInWindow: number;
  ackedDeltaSum: number;
  finalStateTotal: number | null;
  finalStateLagMs: number | null;
  snapshotTotal: number | null;
  boardId: string;
  clientCpuPct: number;
}

async function run(args: { window: number; warmupMs: number; measureMs: number }): Promise<ScoreboardResult> {
  const t0 = performance.now();
  const windowStart = t0 + args.warmupMs;
  const windowEnd = windowStart + args.measureMs;
  const ackLatency = new Histogram();
  const ackErrors: Record<string, number> = {};
  let sent = 0;
  let ackedOk = 0;
  let windowAcks = 0;
  let outstanding = 0;
  let ackedDeltaSum = 0;
  let statesAtStart = 0;
  const meter = cpuMeter(args.warmupMs, args.measureMs);
  const startTimer = setTimeout(() => (statesAtStart = statesReceived), args.warmupMs);

  const sendOne = (socket: Socket): void => {
    const sentAt = performance.now();
    if (sentAt >= windowEnd) return;
    const delta = 1 + Math.floor(Math.random() * 5);
    const playerId = playerIds[Math.floor(Math.random() * playerIds.length)];
    sent++;
    outstanding++;
    void command(socket, ScoreboardCommand.ScoreAdd, { opId: timeOrderedId(), boardId, playerId, delta }).then(
      (ack) => {
        outstanding--;
        const now = performance.now();
        const error = tandemAckError(ack);
        if (error) countBy(ackErrors, error);
        else {
          ackedOk++;
          ackedDeltaSum += delta;
          if (now >= windowStart && now < windowEnd) {
            windowAcks++;
            ackLatency.record((now - sentAt) * 1000);
          }
        }
        sendOne(socket);
      },
    );
  };
  for (const socket of incrementers) for (let i = 0; i < args.window; i++) sendOne(socket);
  await sleep(windowEnd - performance.now());
  const statesAtEnd = statesReceived;
  const clientCpuPct = meter.percent();
  clearTimeout(startTimer);
  await waitFor(() => outstanding === 0, 30_000, 20);
  const lastAckAt = performance.now();
  // The final state must arrive within 500 ms of the last change; wait up to 3 s to measure it.
  const exact = () => latestState !== undefined && total(latestState.players) === ackedDeltaSum;
  const arrived = await waitFor(exact, 3_000, 5);
  const finalStateLagMs = arrived ? Math.round(performance.now() - lastAckAt) : null;
  const snapshot = (await command(observer!, ScoreboardCommand.BoardJoin, { boardId }, 10_000)) as Ack<
    ScoreboardCommandResults['board:join']
  >;
  return {
    sent,
    ackedOk,
    windowAcks,
    windowMs: args.measureMs,
    ackErrors,
    ackLatency: ackLatency.toJSON(),
    statesInWindow: statesAtEnd - statesAtStart,
    ackedDeltaSum,
    finalStateTotal: latestState ? total(latestState.players) : null,
    finalStateLagMs,
    snapshotTotal: snapshot.ok ? total(snapshot.data.board.players) : null,
    boardId,
    clientCpuPct,
  };
}

export const handlers: Record<string, Handler> = { setup: setup, run: run };

export async function close(): Promise<void> {
  observer?.disconnect();
  for (const socket of incrementers) socket?.disconnect();
  await sleep(50);
}
