/**
 * What every scenario shares: the cell of figures it returns, the rig that starts a fresh server
 * of one kind and a load-generator process and always stops both, and the measurement window.
 * Shared rules: the server on core 0 and the load on core 1, a warm-up then a fixed window, CPU
 * and memory read through the side channel.
 */
import path from 'node:path';
import { machineCpu, machineCpuPercent } from './machine.js';
import { startServer, tandemBuildTime, type ServerHandle, type ServerKind, type ServerStats } from './servers.js';
import type { Verification } from './verify.js';
import { LoadWorker, type LoadKind } from './workers.js';

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
export function windowProfile(kind: ServerKind, context: RunContext, name: string): string | undefined {
  if (!context.profileDir) return undefined;
  return path.join(context.profileDir, `window-${kind}-${name}-${++profiles}.cpuprofile`);
}

export interface Scenario {
  name: string;
  description: string;
  sides: ServerKind[];
  run(kind: ServerKind, context: RunContext): Promise<Cell>;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
export const mb = (bytes: number) => round(bytes / 2 ** 20, 1);

export interface WindowSample {
  serverCpuPct: number;
  serverCpuUs: number;
  machineCpuPct: number | null;
  delayP99Ms: number;
  delayMaxMs: number;
  gcMaxMs: number;
  gcSharePct: number;
}

/** Reads the server's CPU and the machine's over the measurement window of a step that starts now. */
export async function sampleWindow(
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

export function rigBound(clientCpuPct: number, machineCpuPct: number | null): boolean {
  return clientCpuPct > 90 || (machineCpuPct ?? 0) > 180;
}

/** CPU used during the window by processes other than this server and its load generator, % of a core. */
export function otherCpu(window: WindowSample, clientCpuPct: number): number | null {
  if (window.machineCpuPct === null) return null;
  return Math.max(0, round(window.machineCpuPct - window.serverCpuPct - clientCpuPct));
}

/** The server's CPU over the window, per command answered in it, beside the rig's own. */
export function commandCpu(window: WindowSample, clientCpuPct: number, commands: number): Metrics {
  return {
    serverCpuPct: window.serverCpuPct,
    cpuPerCommandUs: commands ? round(window.serverCpuUs / commands, 1) : null,
    clientCpuPct,
    machineCpuPct: window.machineCpuPct,
    otherCpuPct: otherCpu(window, clientCpuPct),
  };
}

/** The load generator's `run` through the warm-up and the window, the server sampled over the window. */
export function runWindow<R>(
  server: ServerHandle,
  worker: LoadWorker,
  args: Record<string, unknown>,
  warmupMs: number,
  measureMs: number,
  profileFile?: string,
): Promise<[R, WindowSample]> {
  return Promise.all([
    worker.call<R>('run', { ...args, warmupMs, measureMs }, warmupMs + measureMs + 60_000),
    sampleWindow(server, warmupMs, measureMs, profileFile),
  ]);
}

/** The window of a fixed-load scenario: 2 s of warm-up and 8 s measured, 1 s and 3 s with `--quick`. */
export function fixedWindow(context: RunContext): { warmupMs: number; measureMs: number } {
  return context.quick ? { warmupMs: 1_000, measureMs: 3_000 } : { warmupMs: 2_000, measureMs: 8_000 };
}

export interface WindowRun<R> {
  result: R;
  sample: WindowSample;
  /** The server's RSS after a forced GC, once the window is over. */
  rssMb: number;
}

/**
 * The load generator's `setup` (the cell is not available when the server has no such
 * namespace), then its `run` through a fixed window with the server sampled, then the server's
 * memory after GC.
 */
export async function setUpOrUnavailable<R>(
  server: ServerHandle,
  worker: LoadWorker,
  args: {
    scenario: string;
    kind: ServerKind;
    context: RunContext;
    setup: Record<string, unknown>;
    run: Record<string, unknown>;
  },
): Promise<{ unavailable: Cell } | WindowRun<R>> {
  const setup = await worker.call<{ available: boolean; reason?: string }>('setup', args.setup, 120_000);
  if (!setup.available) return { unavailable: notAvailable(setup.reason ?? 'not available') };
  const { warmupMs, measureMs } = fixedWindow(args.context);
  const profileFile = windowProfile(args.kind, args.context, args.scenario);
  const [result, sample] = await runWindow<R>(server, worker, args.run, warmupMs, measureMs, profileFile);
  const stats = await server.stats({ gc: true });
  return { result, sample, rssMb: mb(stats.rssBytes) };
}

export const noisyAbovePct = 25;
export const isNoisy = (other: number | null | undefined) => (other ?? 0) > noisyAbovePct;

/** A measured cell; whether the rig or other processes may have limited it comes from its own figures. */
export function measuredCell(metrics: Metrics, clientCpuPct: number, notes: string[]): Cell {
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

export function notAvailable(reason: string): Cell {
  return { available: false, reason, metrics: {}, rigBound: false, notes: [] };
}
