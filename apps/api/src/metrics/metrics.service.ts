import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { KeyedHistogram } from './keyed-histogram.js';

/**
 * Prometheus metrics of the process. Default Node metrics include the event-loop lag
 * (`nodejs_eventloop_lag_seconds`); the rest is Tandem's own.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly socketCounts = new Map<string, () => number>();

  readonly sockets = new Gauge({
    name: 'tandem_sockets',
    help: 'Connected sockets, by namespace',
    labelNames: ['namespace'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [namespace, count] of this.socketCounts) this.sockets.set({ namespace }, count());
    },
  });

  /** Counted in a plain map on the hot path (`countCommand`), handed to the counter at scrape time. */
  private readonly commandCounts = new Map<string, Map<string, number>>();

  readonly commands = scrapedCounter(
    this.registry,
    'tandem_commands_total',
    'Commands answered, by command and outcome (ok or an error code)',
    ['command', 'outcome'],
    (count) => {
      for (const [command, outcomes] of this.commandCounts) {
        for (const [outcome, n] of outcomes) count({ command, outcome }, n);
      }
    },
  );

  /** Observed on every command (see `KeyedHistogram`). */
  readonly ackLatency = new KeyedHistogram(
    'tandem_ack_latency_seconds',
    'Time from a command arriving to its ack, by command',
    'command',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    this.registry,
  );

  readonly databaseWrites = new Histogram({
    name: 'tandem_db_write_seconds',
    help: 'Duration of write transactions (one per batch), queueing excluded',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });

  readonly writeBatchSize = new Histogram({
    name: 'tandem_db_write_batch_size',
    help: 'Writes committed together in one transaction (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });

  /** Counted in a plain map on the hot path (`countBroadcast`), handed to the counter at scrape time. */
  private readonly broadcastCounts = new Map<string, number>();

  readonly broadcasts = scrapedCounter(
    this.registry,
    'tandem_broadcasts_total',
    'Events broadcast to rooms, by namespace',
    ['namespace'],
    (count) => {
      for (const [namespace, n] of this.broadcastCounts) count({ namespace }, n);
    },
  );

  readonly rateLimited = new Counter({
    name: 'tandem_rate_limited_total',
    help: 'Commands refused with RATE_LIMITED, by command',
    labelNames: ['command'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  countCommand(command: string, outcome: string): void {
    let outcomes = this.commandCounts.get(command);
    if (!outcomes) this.commandCounts.set(command, (outcomes = new Map<string, number>()));
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }

  countBroadcast(namespace: string): void {
    this.broadcastCounts.set(namespace, (this.broadcastCounts.get(namespace) ?? 0) + 1);
  }

  /** Commands answered since the start, by outcome (every command together). */
  commandsByOutcome(): Map<string, number> {
    const totals = new Map<string, number>();
    for (const outcomes of this.commandCounts.values()) {
      for (const [outcome, count] of outcomes) totals.set(outcome, (totals.get(outcome) ?? 0) + count);
    }
    return totals;
  }

  /** Called by each gateway: its socket count is read at scrape time. */
  countSockets(namespace: string, count: () => number): void {
    this.socketCounts.set(namespace, count);
  }
}

/**
 * A counter whose counts live in plain maps on the hot path: at each scrape it is reset and
 * `fill` hands it every count again, so prom-client's label hashing runs per scrape, not per event.
 */
function scrapedCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  fill: (count: (labels: Record<L, string>, n: number) => void) => void,
): Counter<L> {
  const counter: Counter<L> = new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect: () => {
      counter.reset();
      fill((labels, n) => counter.inc(labels, n));
    },
  });
  return counter;
}
