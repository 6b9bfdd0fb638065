/**
 * The scenarios: each one runs a fresh server of one kind, drives it with a load-generator
 * process and returns one cell of figures. Shared rules: the server on core 0 and the load on
 * core 1, a warm-up then a fixed window, CPU and memory read through the side channel.
 */
import path from 'node:path';
import { Histogram } from './histogram.js';
import { machineCpu, machineCpuPercent } from './machine.js';
import { startServer, tandemBuildTime, type ServerHandle, type ServerKind, type ServerStats } from './servers.js';
import { verifyBoard, verifyListVersions, verifyMessages, verifyRoomCount, type Verification } from './verify.js';
import { LoadWorker, type LoadKind } from './workers.js';
import type { FanoutStepResult, FanoutTransport } from './load/fanout.js';
import type { PersistResult } from './load/persist.js';
import type { ScoreboardResult } from './load/scoreboard.js';
import type { ListsResult } from './load/lists.js';
import { joinStormScenario } from './join-storm.js';

export type Metrics = Record<string, number | null>;

export interface Cell {
  available: boolean;
  /** Why the scenario could not run against this server. */
  reason?: string;
  metrics: Metrics;
  /** Client CPU > 90 % or machine CPU > 180 % of 200: the rig, not the server, may be the limit. */
  rigBound: boolean;
  /** Other processes used more than 25 % of a core during the window: a candidate for a re-run. */
  noisy?: boolean;
  notes: string[];
  verification?: Verification;
  /** Saturation searches: every rate tried. */
  steps?: Metrics[];
}

export interface RunContext {
  quick: boolean;
  /** Profile the servers: Tandem's whole life (`--cpu-prof`) and each measurement window of both (`window-*.cpuprofile`). */
  profileDir?: string;
  /** Write heap snapshots of both servers at each idle-memory plateau into this folder. */
  heapDir?: string;
  /** Run Tandem on a fresh database on this PostgreSQL server (`--database`). */
  postgresUrl?: string;
}

let profiles = 0;
/** Where the window profile of this Tandem run goes, when profiling. */
function windowProfile(kind: ServerKind, context: RunContext, name: string): string | undefined {
  if (!context.profileDir) return undefined;
  return path.join(context.profileDir, `window-${kind}-${name}-${++profiles}.cpuprofile`);
}

export interface Scenario {
  name: string;
  description: string;
  sides: ServerKind[];
  run(kind: ServerKind, context: RunContext): Promise<Cell>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => round(bytes / 2 ** 20, 1);

interface WindowSample {
  serverCpuPct: number;
  serverCpuUs: number;
  machineCpuPct: number | null;
  delayP99Ms: number;
  delayMaxMs: number;
  gcMaxMs: number;
  gcSharePct: number;
}

/** Reads the server's CPU and the machine's over the measurement window of a step that starts now. */
async function sampleWindow(
  server: ServerHandle,
  warmupMs: number,
  measureMs: number,
  profileFile?: string,
): Promise<WindowSample> {
  await sleep(warmupMs);
  if (profileFile) await server.profile('start');
  const before = await server.stats({ resetDelay: true });
  const machineBefore = machineCpu();
  await sleep(measureMs);
  const after = await server.stats();
  const machineAfter = machineCpu();
  if (profileFile) await server.profile('stop', profileFile);
  const cpuUs = cpu(after) - cpu(before);
  return {
    serverCpuPct: round((cpuUs / ((after.atMs - before.atMs) * 1000)) * 100),
    serverCpuUs: cpuUs,
    machineCpuPct: machineCpuPercent(machineBefore, machineAfter),
    delayP99Ms: round(after.delayP99Ms, 2),
    delayMaxMs: round(after.delayMaxMs, 2),
    gcMaxMs: round(after.gcMaxMs, 2),
    gcSharePct: round((after.gcTotalMs / (after.atMs - before.atMs)) * 100),
  };
}

function cpu(stats: ServerStats): number {
  return stats.cpuUserUs + stats.cpuSystemUs;
}

function rigBound(clientCpuPct: number, machineCpuPct: number | null): boolean {
  return clientCpuPct > 90 || (machineCpuPct ?? 0) > 180;
}

/** CPU used during the window by processes other than this server and its load generator, % of a core. */
function otherCpu(window: WindowSample, clientCpuPct: number): number | null {
  if (window.machineCpuPct === null) return null;
  return Math.max(0, round(window.machineCpuPct - window.serverCpuPct - clientCpuPct));
}

export const noisyAbovePct = 25;
const isNoisy = (other: number | null | undefined) => (other ?? 0) > noisyAbovePct;

/** A measured cell; whether the rig or other processes may have limited it comes from its own figures. */
function measuredCell(metrics: Metrics, clientCpuPct: number, notes: string[]): Cell {
  return {
    available: true,
    metrics,
    rigBound: rigBound(clientCpuPct, metrics.machineCpuPct),
    noisy: isNoisy(metrics.otherCpuPct),
    notes,
  };
}

export function errorsNote(errors: Record<string, number>): string[] {
  const entries = Object.entries(errors);
  return entries.length ? [`errors: ${entries.map(([code, n]) => `${code} × ${n}`).join(', ')}`] : [];
}

/** Starts a server and a load generator, runs `body`, and always stops both. */
export async function withRig<T>(
  kind: ServerKind,
  load: LoadKind,
  context: RunContext,
  body: (server: ServerHandle, worker: LoadWorker) => Promise<T>,
  afterStop?: (server: ServerHandle, result: T) => Promise<void>,
): Promise<T> {
  // A rebuild of the server between runs shows up as a second build time in the notes.
  const build = kind === 'tandem' ? tandemBuildTime() : undefined;
  const server = await startServer(
    kind,
    kind === 'tandem' ? { profileDir: context.profileDir, postgresUrl: context.postgresUrl } : {},
  );
  const worker = LoadWorker.start(load);
  let result: T;
  try {
    result = await body(server, worker);
  } finally {
    await worker.stop();
    await server.stop();
  }
  try {
    await afterStop?.(server, result);
  } finally {
    await server.cleanup();
  }
  const cell = result as unknown as Partial<Cell>;
  if (build && Array.isArray(cell.notes)) cell.notes.push(`build of ${build} (newest file in apps/api/dist)`);
  return result;
}

// ---- chat fan-out -----------------------------------------------------------------------------

interface FanoutParams {
  clients: number;
  senders: number;
  warmupMs: number;
  measureMs: number;
}

async function fanoutStep(
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

function fanoutScenario(
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
      let roomId = '';
      let acked = 0;
      return withRig(
        kind,
        'fanout',
        context,
        async (server, worker) => {
          const setup = await worker.call<{ roomId: string; connectMs: number; joinMs: number; settleMs: number }>(
            'setup',
            { kind, transport, url: server.url, clients, senders: params.senders, connectConcurrency: 100 },
            180_000,
          );
          roomId = setup.roomId;
          const { metrics, result } = await fanoutStep(
            server,
            worker,
            clients,
            rate,
            params,
            windowProfile(kind, context, name),
          );
          acked = result.ackedOk;
          const stats = await server.stats({ gc: true });
          metrics.rssMb = mb(stats.rssBytes);
          metrics.connectMs = setup.connectMs;
          metrics.joinMs = setup.joinMs + setup.settleMs;
          const notes = errorsNote(result.ackErrors);
          if (!result.drained) notes.push(`not drained within ${result.drainMs} ms`);
          return measuredCell(metrics, result.clientCpuPct, notes);
        },
        async (server, cell) => {
          if (server.database) cell.verification = await verifyRoomCount(server.database, roomId, acked);
        },
      );
    },
  };
}

/** The knee's rule: every message delivered, ≥ 99 % of the offered deliveries in the window, p99 ≤ 100 ms. */
function keptUp(metrics: Metrics, result: FanoutStepResult): boolean {
  return (
    result.drained &&
    result.lost === 0 &&
    (metrics.deliveredShare ?? 0) >= 0.99 &&
    (metrics.p99Ms ?? Infinity) <= 100 &&
    (metrics.ackErrors ?? 0) === 0
  );
}

/** Raises the offered rate until deliveries stop keeping up; reports the highest sustained rate. */
function kneeScenario(name: string, clients: number, startRate: number): Scenario {
  const senders = 10;
  // Each sender stays within 40 msg/s: under Tandem's default per-socket rate limit.
  const maxRate = senders * 40;
  return {
    name,
    description: `saturation: ${clients.toLocaleString('en-US')} clients in one room, ${senders} senders, rate raised ×1.5 from ${startRate} msg/s until deliveries < 99 % of offered, loss, or p99 > 100 ms, then refined`,
    sides: ['baseline', 'tandem'],
    run: (kind, context) => {
      const params: FanoutParams = {
        clients,
        senders,
        warmupMs: context.quick ? 1_000 : 1_500,
        measureMs: context.quick ? 2_000 : 4_000,
      };
      const maxSteps = context.quick ? 2 : 9;
      const confirmFailures = !context.quick;
      let roomId = '';
      let acked = 0;
      return withRig(
        kind,
        'fanout',
        context,
        async (server, worker) => {
          const setup = await worker.call<{ roomId: string; connectMs: number; joinMs: number; settleMs: number }>(
            'setup',
            { kind, transport: 'socket.io', url: server.url, clients, senders, connectConcurrency: 100 },
            180_000,
          );
          roomId = setup.roomId;
          const steps: Metrics[] = [];
          // The highest sustained rate so far and the lowest failing one; the next rate goes ×1.5
          // up (or down) until both exist, then to their geometric middle until they are close.
          let best: Metrics | undefined;
          let bestRate = 0;
          let failRate = 0;
          let failingStep: Metrics | undefined;
          let rate = startRate;
          const notes: string[] = [];
          for (let stepIndex = 0; stepIndex < maxSteps; stepIndex++) {
            let { metrics, result } = await fanoutStep(
              server,
              worker,
              clients,
              rate,
              params,
              windowProfile(kind, context, `${name}-${rate}`),
            );
            acked += result.ackedOk;
            let sustained = keptUp(metrics, result);
            if (!sustained && confirmFailures) {
              // One burst from another process can fail a step: a rate fails only if it fails twice.
              metrics.sustained = 0;
              steps.push(metrics);
              await worker.call('settle', { quietMs: 1_000, limitMs: 30_000 }, 40_000);
              ({ metrics, result } = await fanoutStep(server, worker, clients, rate, params));
              acked += result.ackedOk;
              sustained = keptUp(metrics, result);
              metrics.confirmation = 1;
            }
            metrics.sustained = sustained ? 1 : 0;
            steps.push(metrics);
            if (sustained && rate > bestRate) {
              best = metrics;
              bestRate = rate;
            } else if (!sustained && (!failRate || rate < failRate)) {
              failRate = rate;
              failingStep = metrics;
            }
            // Let a backlog clear before the next rate.
            await worker.call('settle', { quietMs: 1_000, limitMs: 30_000 }, 40_000);
            let next: number;
            if (!failRate) {
              if (rate >= maxRate) {
                notes.push(`still sustained at the highest rate the ${senders} senders offer (${maxRate} msg/s)`);
                break;
              }
              next = Math.min(maxRate, Math.round(rate * 1.5));
            } else if (!bestRate) {
              next = Math.round(failRate / 1.5);
              if (next < 2) break;
            } else {
              if (failRate / bestRate < 1.12) break;
              next = Math.round(Math.sqrt(bestRate * failRate));
            }
            if (next === bestRate || next === failRate) break;
            rate = next;
          }
          const stats = await server.stats({ gc: true });
          const knee = best ?? steps[0];
          const metrics: Metrics = {
            throughput: best ? best.throughput : 0,
            kneeMsgPerSec: bestRate,
            firstFailingMsgPerSec: failRate || null,
            p50Ms: knee.p50Ms,
            p99Ms: knee.p99Ms,
            maxMs: knee.maxMs,
            serverCpuPct: knee.serverCpuPct,
            cpuPerDeliveryUs: knee.cpuPerDeliveryUs,
            clientCpuPct: knee.clientCpuPct,
            machineCpuPct: knee.machineCpuPct,
            otherCpuPct: knee.otherCpuPct,
            failingOtherCpuPct: failingStep?.otherCpuPct ?? null,
            failingClientCpuPct: failingStep?.clientCpuPct ?? null,
            failingServerCpuPct: failingStep?.serverCpuPct ?? null,
            lostBelowKnee: steps
              .filter((step) => step.offeredMsgPerSec! <= bestRate)
              .reduce((sum, step) => sum + (step.lost ?? 0), 0),
            // Rates that failed once and then held when measured again.
            failedOnce: steps.filter((step) => step.confirmation === 1 && step.sustained === 1).length,
            rssMb: mb(stats.rssBytes),
            steps: steps.length,
          };
          if (!best) notes.push('no rate was sustained');
          // The knee is the rig's when the load generator, not the server, ran out of CPU first.
          const limitedByRig = failingStep ? rigBound(failingStep.clientCpuPct ?? 0, failingStep.machineCpuPct) : false;
          if (limitedByRig) notes.push('at the first failing rate the load generator or the machine was saturated');
          const noisy = isNoisy(knee.otherCpuPct) || isNoisy(failingStep?.otherCpuPct);
          // The literal is checked against Cell, then widened to it so the hook below may add to it.
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
          return { available: true, metrics, rigBound: limitedByRig, noisy, notes, steps } satisfies Cell as Cell;
        },
        async (server, cell) => {
          if (server.database) cell.verification = await verifyRoomCount(server.database, roomId, acked);
        },
      );
    },
  };
}

// ---- chat persistence ---------------------------------------------------------------------------

function persistScenario(): Scenario {
  return {
    name: 'chat-persist',
    description:
      'senders in their own rooms, each keeping a window of unacked message:send in flight; every acked message checked in the database',
    sides: ['baseline', 'tandem'],
    run: (kind, context) => {
      const senders = context.quick ? 20 : 50;
      const window = 4;
      const warmupMs = context.quick ? 1_000 : 2_000;
      const measureMs = context.quick ? 3_000 : 8_000;
      let acked: [string, string][] = [];
      return withRig(
        kind,
        'persist',
        context,
        async (server, worker) => {
          await worker.call('setup', { kind, url: server.url, senders }, 120_000);
          const [result, sample] = await Promise.all([
            worker.call<PersistResult>('run', { window, warmupMs, measureMs }, warmupMs + measureMs + 60_000),
            sampleWindow(server, warmupMs, measureMs, windowProfile(kind, context, 'chat-persist')),
          ]);
          acked = result.acked;
          const stats = await server.stats({ gc: true });
          const latency = Histogram.from(result.ackLatency).summary();
          const metrics: Metrics = {
            senders,
            window,
            throughput: Math.round((result.windowAcks / result.windowMs) * 1000),
            p50Ms: latency.p50Ms,
            p99Ms: latency.p99Ms,
            maxMs: latency.maxMs,
            ackErrors: Object.values(result.ackErrors).reduce((sum, n) => sum + n, 0),
            serverCpuPct: sample.serverCpuPct,
            cpuPerCommandUs: result.windowAcks ? round(sample.serverCpuUs / result.windowAcks, 1) : null,
            clientCpuPct: result.clientCpuPct,
            machineCpuPct: sample.machineCpuPct,
            otherCpuPct: otherCpu(sample, result.clientCpuPct),
            eventLoopDelayP99Ms: sample.delayP99Ms,
            gcPauseMaxMs: sample.gcMaxMs,
            gcTimePct: sample.gcSharePct,
            rssMb: mb(stats.rssBytes),
            ackedTotal: result.ackedOk,
          };
          return measuredCell(metrics, result.clientCpuPct, errorsNote(result.ackErrors));
        },
        async (server, cell) => {
          if (server.database) cell.verification = await verifyMessages(server.database, acked);
        },
      );
    },
  };
}

// ---- scoreboard and lists -----------------------------------------------------------------------

function notAvailable(reason: string): Cell {
  return { available: false, reason, metrics: {}, rigBound: false, notes: [] };
}

function scoreboardScenario(): Scenario {
  return {
    name: 'scoreboard-increments',
    description:
      'users adding to 10 players of one board with acked score:add (window 4 each); coalesced board:state counted; final total checked exactly',
    sides: ['tandem'],
    run: (kind, context) => {
      const incrementers = context.quick ? 10 : 20;
      const warmupMs = context.quick ? 1_000 : 2_000;
      const measureMs = context.quick ? 3_000 : 8_000;
      let outcome: ScoreboardResult | undefined;
      return withRig(
        kind,
        'scoreboard',
        context,
        async (server, worker) => {
          const setup = await worker.call<{ available: boolean; reason?: string }>(
            'setup',
            { url: server.url, incrementers, players: 10 },
            120_000,
          );
          if (!setup.available) return notAvailable(setup.reason ?? 'not available');
          const [result, sample] = await Promise.all([
            worker.call<ScoreboardResult>('run', { window: 4, warmupMs, measureMs }, warmupMs + measureMs + 60_000),
            sampleWindow(server, warmupMs, measureMs, windowProfile(kind, context, 'scoreboard-increments')),
          ]);
          outcome = result;
          const stats = await server.stats({ gc: true });
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
            serverCpuPct: sample.serverCpuPct,
            cpuPerCommandUs: result.windowAcks ? round(sample.serverCpuUs / result.windowAcks, 1) : null,
            clientCpuPct: result.clientCpuPct,
            machineCpuPct: sample.machineCpuPct,
            otherCpuPct: otherCpu(sample, result.clientCpuPct),
            rssMb: mb(stats.rssBytes),
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

function listsScenario(): Scenario {
  return {
    name: 'lists-updates',
    description:
      'users updating 10 shared items with item:update naming the version they saw (one in flight each, enough of them to keep the server busy); processed and accepted commands/s, conflict rate; versions checked exactly',
    sides: ['tandem'],
    run: (kind, context) => {
      // Enough writers in flight that the server, not the round trips, sets the pace.
      const updaters = context.quick ? 40 : 80;
      const warmupMs = context.quick ? 1_000 : 2_000;
      const measureMs = context.quick ? 3_000 : 8_000;
      let outcome: ListsResult | undefined;
      return withRig(
        kind,
        'lists',
        context,
        async (server, worker) => {
          const setup = await worker.call<{ available: boolean; reason?: string }>(
            'setup',
            { url: server.url, updaters, items: 10 },
            120_000,
          );
          if (!setup.available) return notAvailable(setup.reason ?? 'not available');
          const [result, sample] = await Promise.all([
            worker.call<ListsResult>('run', { warmupMs, measureMs }, warmupMs + measureMs + 60_000),
            sampleWindow(server, warmupMs, measureMs, windowProfile(kind, context, 'lists-updates')),
          ]);
          outcome = result;
          const stats = await server.stats({ gc: true });
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
            serverCpuPct: sample.serverCpuPct,
            cpuPerCommandUs: answered ? round(sample.serverCpuUs / answered, 1) : null,
            clientCpuPct: result.clientCpuPct,
            machineCpuPct: sample.machineCpuPct,
            otherCpuPct: otherCpu(sample, result.clientCpuPct),
            rssMb: mb(stats.rssBytes),
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

// ---- idle memory --------------------------------------------------------------------------------

interface GrowResult {
  connected: number;
  opened: number;
  errors: Record<string, number>;
  elapsedMs: number;
  perSecond: number;
  clientCpuPct: number;
  stillConnected: number;
}

function idleScenario(): Scenario {
  return {
    name: 'idle-memory',
    description:
      'idle authenticated /chat connections (socket.io-client, websocket) opened in plateaus; RSS after forced GC at each; marginal RSS per connection between the two top plateaus',
    sides: ['baseline', 'tandem'],
    run: (kind, context) => {
      const plateaus = context.quick ? [1_000, 3_000] : [1_000, 5_000, 10_000, 15_000];
      return withRig(kind, 'idle', context, async (server, worker) => {
        await worker.call('setup', { kind, url: server.url, users: context.quick ? 20 : 100 }, 60_000);
        const base = await server.stats({ gc: true });
        const rss: Record<number, number> = {};
        const heap: Record<number, number> = {};
        const errors: Record<string, number> = {};
        let connectMs = 0;
        let opened = 0;
        let connectDelayP99 = 0;
        let idleDelayP99 = 0;
        let idleDelayMax = 0;
        let clientCpu = 0;
        let connected = 0;
        for (const target of plateaus) {
          await server.stats({ resetDelay: true });
          const grown = await worker.call<GrowResult>('grow', { target, concurrency: 100, limitMs: 120_000 }, 200_000);
          const duringConnect = await server.stats({ resetDelay: true });
          connectDelayP99 = Math.max(connectDelayP99, duringConnect.delayP99Ms);
          connectMs += grown.elapsedMs;
          opened += grown.opened;
          clientCpu = Math.max(clientCpu, grown.clientCpuPct);
          connected = grown.stillConnected;
          for (const [reason, n] of Object.entries(grown.errors)) errors[reason] = (errors[reason] ?? 0) + n;
          await sleep(context.quick ? 1_000 : 2_000);
          const settled = await server.stats({ gc: true, resetDelay: true });
          rss[target] = settled.rssBytes;
          heap[target] = settled.heapUsedBytes;
          if (context.heapDir) await server.heapSnapshot(path.join(context.heapDir, `${kind}-${target}.heapsnapshot`));
          await sleep(context.quick ? 1_000 : 3_000);
          const idle = await server.stats();
          idleDelayP99 = idle.delayP99Ms;
          idleDelayMax = idle.delayMaxMs;
        }
        const top = plateaus[plateaus.length - 1];
        const from = plateaus.length > 2 ? plateaus[1] : plateaus[0];
        const marginal = (rss[top] - rss[from]) / (top - from);
        const metrics: Metrics = {
          throughput: connectMs ? Math.round((opened / connectMs) * 1000) : 0,
          connections: connected,
          connectErrors: Object.values(errors).reduce((sum, n) => sum + n, 0),
          baseRssMb: mb(base.rssBytes),
          rssMb: mb(rss[top]),
          marginalKbPerConnection: round(marginal / 1024, 2),
          // The part of it in V8's heap (JavaScript objects), the rest being native memory.
          marginalHeapKbPerConnection: round((heap[top] - heap[from]) / (top - from) / 1024, 2),
          eventLoopDelayP99MsConnecting: round(connectDelayP99, 2),
          eventLoopDelayP99MsIdle: round(idleDelayP99, 2),
          eventLoopDelayMaxMsIdle: round(idleDelayMax, 2),
          clientCpuPct: clientCpu,
        };
        for (const target of plateaus) metrics[`rssMbAt${target}`] = mb(rss[target]);
        return {
          available: true,
          metrics,
          rigBound: clientCpu > 90,
          notes: [`marginal = (RSS@${top} − RSS@${from}) / ${top - from}`, ...errorsNote(errors)],
        } satisfies Cell;
      });
    },
  };
}

export function allScenarios(quick: boolean): Scenario[] {
  const fanouts = quick
    ? [
        fanoutScenario('chat-fanout-100', 100, 50),
        fanoutScenario('chat-fanout-1000', 1_000, 50),
        fanoutScenario('chat-fanout-1000-plain', 1_000, 50, 'plain'),
      ]
    : [
        fanoutScenario('chat-fanout-100', 100, 50),
        fanoutScenario('chat-fanout-500', 500, 50),
        fanoutScenario('chat-fanout-1000', 1_000, 50),
        fanoutScenario('chat-fanout-1000-plain', 1_000, 50, 'plain'),
      ];
  const knees = quick
    ? [kneeScenario('chat-knee-500', 500, 40)]
    : [kneeScenario('chat-knee-500', 500, 60), kneeScenario('chat-knee-1000', 1_000, 30)];
  return [
    ...fanouts,
    ...knees,
    persistScenario(),
    scoreboardScenario(),
    listsScenario(),
    idleScenario(),
    joinStormScenario(),
  ];
}
