import type { MetricValueWithName } from 'prom-client';
import type { Percentiles } from '@tandem/contract';

/** A histogram's buckets: upper bound → observations up to it, as prom-client counts them (cumulative). */
type Buckets = Map<number, number>;

/**
 * What a Prometheus histogram saw since the last call: its cumulative buckets (all labels
 * together) minus the previous ones. The histogram itself keeps counting for `/metrics`.
 */
export class HistogramWindow {
  private previous: { buckets: Buckets; count: number; sum: number } = { buckets: new Map(), count: 0, sum: 0 };

  constructor(private readonly histogram: { get(): Promise<{ values: MetricValueWithName<string>[] }> }) {}

  async next(): Promise<{ buckets: Buckets; count: number; sum: number }> {
    const current = { buckets: new Map<number, number>(), count: 0, sum: 0 };
    for (const { labels, value, metricName } of (await this.histogram.get()).values) {
      if (metricName?.endsWith('_bucket')) {
        const bound = labels.le === '+Inf' ? Infinity : Number(labels.le);
        current.buckets.set(bound, (current.buckets.get(bound) ?? 0) + value);
      } else if (metricName?.endsWith('_count')) current.count += value;
      else if (metricName?.endsWith('_sum')) current.sum += value;
    }
    const window = {
      buckets: new Map(
        [...current.buckets].map(([bound, count]) => [bound, count - (this.previous.buckets.get(bound) ?? 0)]),
      ),
      count: current.count - this.previous.count,
      sum: current.sum - this.previous.sum,
    };
    this.previous = current;
    return window;
  }
}

/**
 * The `q` quantile of cumulative buckets, interpolated linearly inside its bucket (as
 * Prometheus' `histogram_quantile` does); the last finite bound when it falls in `+Inf`.
 */
export function quantile(buckets: Buckets, count: number, q: number): number {
  const rank = q * count;
  let lower = 0;
  let below = 0;
  let lastFinite = 0;
  for (const [bound, cumulative] of [...buckets].sort(([a], [b]) => a - b)) {
    if (bound === Infinity) return lastFinite;
    if (cumulative >= rank) {
      const inBucket = cumulative - below;
      return inBucket === 0 ? bound : lower + ((bound - lower) * (rank - below)) / inBucket;
    }
    lower = bound;
    lastFinite = bound;
    below = cumulative;
  }
  return lastFinite;
}

/** p50 and p99 of a window in milliseconds (its histogram counts seconds); null when empty. */
export function percentilesMs(window: { buckets: Buckets; count: number }): Percentiles | null {
  if (window.count <= 0) return null;
  const ms = (q: number) => Math.round(quantile(window.buckets, window.count, q) * 1000 * 1000) / 1000;
  return { p50: ms(0.5), p99: ms(0.99) };
}
