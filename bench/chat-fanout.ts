/**
 * `chat-fanout-*`: clients in one room, a fixed rate of messages offered by two senders, every
 * delivery timed at the receivers; `fanoutStep` measures one rate, for the saturation search too.
 */
import { Histogram } from './histogram.js';
import type { FanoutStepResult, FanoutTransport } from './load/fanout.js';
import { errorsNote, mb, measuredCell, otherCpu, round, sampleWindow, windowProfile, withRig } from './rig.js';
import type { Cell, Metrics, RunContext, Scenario, WindowSample } from './rig.js';
import type { ServerHandle, ServerKind } from './servers.js';
import { verifyRoomCount } from './verify.js';
import type { LoadWorker } from './workers.js';

export interface FanoutParams {
  clients: number;
  senders: number;
  warmupMs: number;
  measureMs: number;
}

interface RoomSetup {
  roomId: string;
  connectMs: number;
  joinMs: number;
  settleMs: number;
}

/**
 * A fresh server with the clients in one room; `body` measures and adds up the messages acked to
 * its senders with `acked(n)`. Afterwards Tandem's stored messages of the room must be as many.
 */
export function withRoom(
  kind: ServerKind,
  context: RunContext,
  room: { transport: FanoutTransport; clients: number; senders: number },
  body: (server: ServerHandle, worker: LoadWorker, setup: RoomSetup, acked: (n: number) => void) => Promise<Cell>,
): Promise<Cell> {
  let roomId = '';
  let ackedInAll = 0;
  return withRig(
    kind,
    'fanout',
    context,
    async (server, worker) => {
      const setup = await setUpRoom(worker, kind, room.transport, server.url, room.clients, room.senders);
      roomId = setup.roomId;
      return body(server, worker, setup, (n) => (ackedInAll += n));
    },
    async (server, cell) => {
      if (server.database) cell.verification = await verifyRoomCount(server.database, roomId, ackedInAll);
    },
  );
}

/** Connects the clients (100 at a time) and has them join one room; the senders are among them. */
export function setUpRoom(
  worker: LoadWorker,
  kind: ServerKind,
  transport: FanoutTransport,
  url: string,
  clients: number,
  senders: number,
): Promise<RoomSetup> {
  return worker.call<RoomSetup>('setup', { kind, transport, url, clients, senders, connectConcurrency: 100 }, 180_000);
}

export async function fanoutStep(
  server: ServerHandle,
  worker: LoadWorker,
  clients: number,
  rate: number,
  params: FanoutParams,
  profileFile?: string,
): Promise<{ metrics: Metrics; result: FanoutStepResult; window: WindowSample }> {
  const drainMs = 15_000;
  const [result, window] = await Promise.all([
    worker.call<FanoutStepResult>(
      'step',
      { rate, warmupMs: params.warmupMs, measureMs: params.measureMs, drainMs },
      params.warmupMs + params.measureMs + drainMs + 30_000,
    ),
    sampleWindow(server, params.warmupMs, params.measureMs, profileFile),
  ]);
  const latency = Histogram.from(result.latency).summary();
  const ack = Histogram.from(result.ackLatency).summary();
  const deliveriesPerSec = (result.windowDeliveries / result.windowMs) * 1000;
  const offeredDeliveries = rate * clients;
  const metrics: Metrics = {
    offeredMsgPerSec: rate,
    offeredDeliveriesPerSec: offeredDeliveries,
    throughput: Math.round(deliveriesPerSec),
    deliveredShare: round(deliveriesPerSec / offeredDeliveries, 4),
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    maxMs: latency.maxMs,
    latencySamples: latency.count,
    ackP50Ms: ack.p50Ms,
    ackP99Ms: ack.p99Ms,
    lost: result.lost,
    outOfOrder: result.outOfOrder,
    ackErrors: Object.values(result.ackErrors).reduce((sum, n) => sum + n, 0),
    skippedSends: result.skipped,
    serverCpuPct: window.serverCpuPct,
    cpuPerDeliveryUs: result.windowDeliveries ? round(window.serverCpuUs / result.windowDeliveries, 2) : null,
    clientCpuPct: result.clientCpuPct,
    machineCpuPct: window.machineCpuPct,
    otherCpuPct: otherCpu(window, result.clientCpuPct),
    eventLoopDelayP99Ms: window.delayP99Ms,
    eventLoopDelayMaxMs: window.delayMaxMs,
    gcPauseMaxMs: window.gcMaxMs,
    gcTimePct: window.gcSharePct,
    drainMs: result.drainMs,
  };
  return { metrics, result, window };
}

export function fanoutScenario(
  name: string,
  clients: number,
  rate: number,
  transport: FanoutTransport = 'socket.io',
): Scenario {
  const over = transport === 'plain' ? ' over /ws (plain WebSocket, JSON frames)' : '';
  return {
    name,
    description: `${clients.toLocaleString('en-US')} clients in one room${over}, ${rate} msg/s offered by 2 senders (${(clients * rate).toLocaleString('en-US')} deliveries/s)`,
    // The plain endpoint is Tandem's: its figures stand beside the Socket.IO scenario's.
    sides: transport === 'plain' ? ['tandem'] : ['baseline', 'tandem'],
    run: (kind, context) => {
      const params: FanoutParams = {
        clients,
        senders: 2,
        warmupMs: context.quick ? 1_000 : 2_000,
        measureMs: context.quick ? 3_000 : 8_000,
      };
      return withRoom(
        kind,
        context,
        { transport, clients, senders: params.senders },
        async (server, worker, setup, acked) => {
          const { metrics, result } = await fanoutStep(
            server,
            worker,
            clients,
            rate,
            params,
            windowProfile(kind, context, name),
          );
          acked(result.ackedOk);
          const stats = await server.stats({ gc: true });
          metrics.rssMb = mb(stats.rssBytes);
          metrics.connectMs = setup.connectMs;
          metrics.joinMs = setup.joinMs + setup.settleMs;
          const notes = errorsNote(result.ackErrors);
          if (!result.drained) notes.push(`not drained within ${result.drainMs} ms`);
          return measuredCell(metrics, result.clientCpuPct, notes);
        },
      );
    },
  };
}
