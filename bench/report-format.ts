/**
 * The report as the printed table (stdout) and as Markdown for docs/benchmarks.md: one row per
 * figure a scenario has, medians with [min–max], the ratio to the baseline, then the targets.
 */
import { commandLabels } from './command-costs.js';
import { idleLabels } from './idle-memory.js';
import { joinStormLabels } from './join-storm-report.js';
import type { Report, ScenarioReport, SideSummary } from './report.js';

const labels: [string, string][] = [
  ['throughput', 'throughput'],
  ['offeredDeliveriesPerSec', 'offered deliveries/s'],
  ['kneeMsgPerSec', 'knee msg/s'],
  ['firstFailingMsgPerSec', 'first failing msg/s'],
  ['p50Ms', 'p50 ms'],
  ['p99Ms', 'p99 ms'],
  ['maxMs', 'max ms'],
  ['ackP50Ms', 'ack p50 ms'],
  ['ackP99Ms', 'ack p99 ms'],
  ['lost', 'lost'],
  ['lostBelowKnee', 'lost below knee'],
  ['outOfOrder', 'out of order'],
  ['ackErrors', 'ack errors'],
  ['conflictRate', 'conflict rate'],
  ['conflictsPerSec', 'conflicts/s'],
  ['processedPerSec', 'processed commands/s (accepted + conflicts)'],
  ['broadcastsPerSecPerBoard', 'board:state/s per board'],
  ['finalStateExact', 'final total exact (1=yes)'],
  ['finalStateLagMs', 'final state after last ack ms'],
  ['versionsExact', 'versions exact (1=yes)'],
  ['cpuPerDeliveryUs', 'server CPU µs/delivery'],
  ['cpuPerCommandUs', 'server CPU µs/command'],
  ['serverCpuPct', 'server CPU %'],
  ['failingServerCpuPct', 'server CPU % at first failing'],
  ['rssMb', 'server RSS MB'],
  ['baseRssMb', 'server RSS MB, no sockets'],
  ['marginalKbPerConnection', 'marginal KB/connection'],
  ['marginalHeapKbPerConnection', 'of which V8 heap KB'],
  ['connections', 'connections held'],
  ['connectErrors', 'connect errors'],
  ['eventLoopDelayP99MsConnecting', 'loop delay p99 ms, connecting'],
  ['eventLoopDelayP99MsIdle', 'loop delay p99 ms, idle'],
  ...idleLabels,
  ['eventLoopDelayP99Ms', 'loop delay p99 ms'],
  ['eventLoopDelayMaxMs', 'loop delay max ms'],
  ['gcPauseMaxMs', 'longest GC pause ms'],
  ['gcTimePct', 'GC time % of window'],
  ['joinMs', 'join phase ms'],
  ...joinStormLabels,
  ['clientCpuPct', 'load-gen CPU %'],
  ['failingClientCpuPct', 'load-gen CPU % at first failing'],
  ['machineCpuPct', 'machine CPU % of 200'],
  ['otherCpuPct', 'other processes CPU %'],
];

const throughputUnits: Record<string, string> = {
  'chat-persist': 'acked commands/s',
  'scoreboard-increments': 'acked increments/s',
  'lists-updates': 'accepted updates/s',
  'idle-memory': 'connects/s',
  'join-storm': 'joins/s (first joins)',
};

function unitOf(name: string): string {
  if (name.startsWith('chat-knee')) return 'knee deliveries/s';
  if (name.startsWith('chat-fanout')) return 'deliveries/s';
  return throughputUnits[name] ?? 'throughput';
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(2);
}

function cellText(side: SideSummary | null, key: string): string {
  if (!side) return '—';
  if (!side.available) return 'n/a';
  const value = side[key];
  if (typeof value !== 'number') return '—';
  const range = (side.range as Record<string, [number, number]>)[key];
  if (side.runs > 1 && range && range[0] !== range[1])
    return `${formatNumber(value)} [${formatNumber(range[0])}–${formatNumber(range[1])}]`;
  return formatNumber(value);
}

export function rows(report: ScenarioReport): [string, string, string, string][] {
  const result: [string, string, string, string][] = [];
  for (const [key, label] of [...commandLabels(report.tandem), ...labels]) {
    const tandem = cellText(report.tandem, key);
    const baseline = report.baseline ? cellText(report.baseline, key) : '';
    if (tandem === '—' && (baseline === '—' || baseline === '')) continue;
    const ratio = report.ratio[key];
    result.push([
      key === 'throughput' ? unitOf(report.name) : label,
      tandem,
      baseline,
      ratio === undefined ? '' : `${ratio.toFixed(2)}×`,
    ]);
  }
  return result;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function sideTitle(kind: string, side: SideSummary | null): string {
  if (!side || !side.available) return kind;
  const flags: string[] = [];
  if ((side.rigBoundRuns as number) > 0) flags.push(`rig-bound ${String(side.rigBoundRuns)}/${String(side.runs)}`);
  if ((side.noisyRuns as number) > 0) flags.push(`noisy ${String(side.noisyRuns)}/${String(side.runs)}`);
  return flags.length ? `${kind} (${flags.join(', ')})` : kind;
}

export function formatTable(report: Report): string {
  const lines: string[] = [];
  const m = report.machine;
  lines.push(
    `Tandem benchmark on ${report.database} (${report.mode}, ${report.repetitions} run${report.repetitions > 1 ? 's' : ''}, median [min–max]) — ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}, ${report.when}`,
  );
  for (const scenario of report.scenarios) {
    lines.push('');
    lines.push(`${scenario.name}: ${scenario.description}`);
    if (scenario.tandem && !scenario.tandem.available) {
      lines.push(`  tandem: not available (${scenario.tandem.reason})`);
      continue;
    }
    const body = rows(scenario);
    const header: [string, string, string, string] = [
      '',
      sideTitle('tandem', scenario.tandem),
      scenario.baseline ? sideTitle('baseline', scenario.baseline) : '',
      scenario.baseline ? 'ratio' : '',
    ];
    const widths = [0, 1, 2, 3].map((i) => Math.max(...[header, ...body].map((row) => row[i].length)));
    for (const row of [header, ...body])
      lines.push(
        `  ${row
          .map((text, i) => pad(text, widths[i]))
          .join('  ')
          .trimEnd()}`,
      );
    for (const side of ['tandem', 'baseline'] as const) {
      const summary = scenario[side];
      if (!summary?.available) continue;
      for (const line of (summary.verification as string[] | undefined) ?? []) lines.push(`  ${side} check ${line}`);
      for (const note of (summary.notes as string[] | undefined) ?? []) lines.push(`  ${side}: ${note}`);
    }
  }
  if (report.targets.length) {
    lines.push('');
    lines.push('Targets (Tandem / baseline, same run)');
    for (const check of report.targets) {
      const verdict = check.pass === null ? 'n/a ' : check.pass ? 'PASS' : 'FAIL';
      lines.push(
        `  ${verdict}  ${check.target}: ${check.value === null ? '—' : formatNumber(check.value)} (${check.limit})`,
      );
    }
  }
  if (report.failures.length) {
    lines.push('');
    lines.push('Failures');
    for (const failure of report.failures) lines.push(`  ${failure}`);
  }
  lines.push('');
  lines.push(`${report.durationSeconds} s in all.`);
  return lines.join('\n');
}

/** The same table as Markdown, for docs/benchmarks.md. */
export function formatMarkdown(report: Report): string {
  const lines: string[] = [];
  for (const scenario of report.scenarios) {
    lines.push(`#### ${scenario.name}`);
    lines.push('');
    lines.push(scenario.description);
    lines.push('');
    if (scenario.tandem && !scenario.tandem.available) {
      lines.push(`Not available: ${scenario.tandem.reason}`);
      lines.push('');
      continue;
    }
    const hasBaseline = scenario.baseline !== null;
    lines.push(
      hasBaseline
        ? `| | ${sideTitle('Tandem', scenario.tandem)} | ${sideTitle('baseline', scenario.baseline)} | ratio |`
        : `| | ${sideTitle('Tandem', scenario.tandem)} |`,
    );
    lines.push(hasBaseline ? '|---|---|---|---|' : '|---|---|');
    for (const [label, tandem, baseline, ratio] of rows(scenario)) {
      lines.push(hasBaseline ? `| ${label} | ${tandem} | ${baseline} | ${ratio} |` : `| ${label} | ${tandem} |`);
    }
    lines.push('');
    for (const side of ['tandem', 'baseline'] as const) {
      const summary = scenario[side];
      if (!summary?.available) continue;
      const checks = (summary.verification as string[] | undefined) ?? [];
      if (checks.length) lines.push(`- ${side} database check, each run: ${checks.join('; ')}`);
      for (const note of (summary.notes as string[] | undefined) ?? []) lines.push(`- ${side}: ${note}`);
    }
    lines.push('');
  }
  if (report.targets.length) {
    lines.push('| target | value | limit | verdict |');
    lines.push('|---|---|---|---|');
    for (const check of report.targets) {
      const verdict = check.pass === null ? 'n/a' : check.pass ? 'pass' : '**fail**';
      lines.push(
        `| ${check.target} | ${check.value === null ? '—' : formatNumber(check.value)} | ${check.limit} | ${verdict} |`,
      );
    }
  }
  return lines.join('\n');
}
