/**
 * Turns the cells of every repetition into medians with [min–max], Tandem/baseline ratios (the
 * median of each repetition's own ratio: both sides measured minutes apart, never hours), the
 * target checks and the JSON of `bench/results/latest.json`; `report-format.ts` prints them.
 */
import { joinStormChecks } from './join-storm-report.js';
import type { MachineInfo } from './machine.js';
import type { Cell, Metrics, Scenario } from './rig.js';
import type { ServerKind } from './servers.js';

export interface SideSummary {
  available: boolean;
  reason?: string;
  runs: number;
  /** Medians over the runs; `throughput`, `p50Ms`, `p99Ms`, `rssMb` where they apply. */
  [metric: string]: unknown;
}

export interface ScenarioReport {
  name: string;
  description: string;
  tandem: SideSummary | null;
  baseline: SideSummary | null;
  ratio: Record<string, number>;
}

export interface TargetCheck {
  target: string;
  value: number | null;
  limit: string;
  pass: boolean | null;
}

export interface Report {
  machine: MachineInfo & { loadAverageAtStart: number };
  /** What Tandem ran on: `sqlite` (a fresh file per run) or the PostgreSQL server (a fresh database per run). */
  database: string;
  when: string;
  mode: 'quick' | 'full';
  repetitions: number;
  durationSeconds: number;
  scenarios: ScenarioReport[];
  targets: TargetCheck[];
  failures: string[];
}

export type Cells = Map<string, Record<ServerKind, (Cell | undefined)[]>>;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

function summarize(cells: (Cell | undefined)[]): SideSummary | null {
  const present = cells.filter((cell): cell is Cell => cell !== undefined);
  if (present.length === 0) return null;
  const available = present.filter((cell) => cell.available);
  if (available.length === 0) return { available: false, reason: present[0].reason ?? 'not available', runs: 0 };
  const keys = [...new Set(available.flatMap((cell) => Object.keys(cell.metrics)))];
  const summary: SideSummary = { available: true, runs: available.length };
  const range: Record<string, [number, number]> = {};
  for (const key of keys) {
    const values = available
      .map((cell) => cell.metrics[key])
      .filter((value): value is number => typeof value === 'number');
    if (values.length === 0) continue;
    summary[key] = round(median(values));
    range[key] = [round(Math.min(...values)), round(Math.max(...values))];
  }
  summary.range = range;
  summary.rigBoundRuns = available.filter((cell) => cell.rigBound).length;
  summary.noisyRuns = available.filter((cell) => cell.noisy).length;
  summary.notes = [...new Set(available.flatMap((cell) => cell.notes))];
  const verifications = available.map((cell) => cell.verification).filter((v) => v !== undefined);
  if (verifications.length) {
    summary.verified = verifications.every((v) => v.ok);
    summary.verification = verifications.map((v) => `${v.ok ? 'ok' : 'FAILED'}: ${v.detail}`);
  }
  summary.perRun = available.map((cell) => ({
    ...cell.metrics,
    rigBound: cell.rigBound,
    noisy: cell.noisy ?? false,
    ...(cell.steps ? { steps: cell.steps } : {}),
  }));
  return summary;
}

const ratioKeys = [
  'throughput',
  'p50Ms',
  'p99Ms',
  'maxMs',
  'rssMb',
  'serverCpuPct',
  'cpuPerDeliveryUs',
  'cpuPerCommandUs',
  'kneeMsgPerSec',
  'marginalKbPerConnection',
  'eventLoopDelayP99MsIdle',
  'ackP99Ms',
];

function ratios(tandem: (Cell | undefined)[], baseline: (Cell | undefined)[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const key of ratioKeys) {
    const perRun: number[] = [];
    tandem.forEach((cell, run) => {
      const other = baseline[run];
      const a = cell?.available ? cell.metrics[key] : null;
      const b = other?.available ? other.metrics[key] : null;
      if (typeof a === 'number' && typeof b === 'number' && b !== 0) perRun.push(a / b);
    });
    if (perRun.length) result[key] = round(median(perRun), 3);
  }
  return result;
}

export function buildScenarioReports(scenarios: Scenario[], cells: Cells): ScenarioReport[] {
  return scenarios.map((scenario) => {
    const sides = cells.get(scenario.name) ?? { tandem: [], baseline: [] };
    return {
      name: scenario.name,
      description: scenario.description,
      tandem: summarize(sides.tandem),
      baseline: scenario.sides.includes('baseline') ? summarize(sides.baseline) : null,
      ratio: scenario.sides.includes('baseline') ? ratios(sides.tandem, sides.baseline) : {},
    };
  });
}

/** The targets for chat fan-out, as ratios to the baseline of the same run. */
export function checkTargets(reports: ScenarioReport[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const find = (name: string) => reports.find((report) => report.name === name);
  for (const clients of [500, 1000]) {
    const fanout = find(`chat-fanout-${clients}`);
    const knee = find(`chat-knee-${clients}`);
    if (fanout?.tandem?.available) {
      const lost = (fanout.tandem.range as Record<string, [number, number]>)?.lost?.[1] ?? null;
      checks.push({
        target: `fan-out ${clients}: loss below the knee`,
        value: lost,
        limit: '= 0',
        pass: lost === null ? null : lost === 0,
      });
      const cpu = fanout.ratio.cpuPerDeliveryUs ?? null;
      checks.push({
        target: `fan-out ${clients}: server CPU per delivery / baseline`,
        value: cpu,
        limit: '≤ 1.0',
        pass: cpu === null ? null : cpu <= 1.0,
      });
      const p99 = fanout.ratio.p99Ms ?? null;
      checks.push({
        target: `fan-out ${clients}: p99 / baseline (median of runs)`,
        value: p99,
        limit: '≤ 1.5',
        pass: p99 === null ? null : p99 <= 1.5,
      });
    }
    if (knee?.tandem?.available) {
      const lost = (knee.tandem.range as Record<string, [number, number]>)?.lostBelowKnee?.[1] ?? null;
      checks.push({
        target: `saturation ${clients}: loss below the knee`,
        value: lost,
        limit: '= 0',
        pass: lost === null ? null : lost === 0,
      });
      const ratio = knee.ratio.throughput ?? null;
      checks.push({
        target: `saturation ${clients}: knee deliveries/s / baseline`,
        value: ratio,
        limit: '≥ 0.9',
        pass: ratio === null ? null : ratio >= 0.9,
      });
      const cpu = knee.ratio.cpuPerDeliveryUs ?? null;
      checks.push({
        target: `saturation ${clients}: server CPU per delivery at the knee / baseline`,
        value: cpu,
        limit: '≤ 1.0',
        pass: cpu === null ? null : cpu <= 1.0,
      });
    }
  }
  checks.push(...joinStormChecks(find('join-storm')?.tandem));
  return checks;
}

export type { Metrics };
