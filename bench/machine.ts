import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

let tasksetAvailable: boolean | undefined;

export function hasTaskset(): boolean {
  tasksetAvailable ??= spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  return tasksetAvailable;
}

/** `argv` run on one core through `taskset -c <core>` when it exists (on a 1-core box: unpinned). */
export function pinned(core: number, argv: string[]): [string, string[]] {
  if (hasTaskset() && os.cpus().length > core) return ['taskset', ['-c', String(core), ...argv]];
  return [argv[0], argv.slice(1)];
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
  pinned: boolean;
  openFileLimit: string;
  tandemCommit: string;
}

export function machineInfo(root: string): MachineInfo {
  let openFileLimit = 'unknown';
  let tandemCommit = 'unknown';
  try {
    openFileLimit = execFileSync('sh', ['-c', 'ulimit -n']).toString().trim();
  } catch {
    // Not a POSIX shell.
  }
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps/api', 'packages/contract'], { cwd: root })
      .toString()
      .trim();
    tandemCommit = dirty ? `${head} (with uncommitted changes in apps/api or packages/contract)` : head;
  } catch {
    // Not a git checkout.
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    pinned: hasTaskset(),
    openFileLimit,
    tandemCommit,
  };
}

export interface CpuSnapshot {
  busy: number;
  total: number;
}

/** Machine-wide CPU counters (Linux `/proc/stat`); null elsewhere. */
export function machineCpu(): CpuSnapshot | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    const idle = fields[3] + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Machine CPU used between two snapshots, in percent of one core (so up to 100 × cores). */
export function machineCpuPercent(from: CpuSnapshot | null, to: CpuSnapshot | null): number | null {
  if (!from || !to || to.total === from.total) return null;
  return Math.round(((to.busy - from.busy) / (to.total - from.total)) * 100 * os.cpus().length * 10) / 10;
}

export function loadAverage(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}
