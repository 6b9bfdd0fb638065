import type { MetricValueWithName, Registry } from 'prom-client';

/** One label value's observations: a count per bucket (the last one beyond every bound), their sum and count. */
interface Series {
  labels: Record<string, string>;
  counts: number[];
  sum: number;
  count: number;
}

/** An exported value as prom-client's histogram hands it to its registry: own labels apart from the series'. */
type ExportedValue = MetricValueWithName<string> & { sharedLabels: Record<string, string>; exemplar?: null };

/** What the registry reads of a metric. */
export interface MetricValues<Value = MetricValueWithName<string>> {
  name: string;
  help: string;
  type: string;
  values: Value[];
  aggregator: string;
}

/**
 * A Prometheus histogram with one label, written as prom-client's `Histogram` writes it (same
 * names, labels, order and cumulative buckets) but observed on the hot path for a fraction of the
 * cost: prom-client validates and hashes the labels object and looks its bucket up by a number
 * turned into a property name on every observation; here a series is found by its label value
 * and a bucket by its index. The registry asks for the values at scrape time.
 */
export class KeyedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    private readonly upperBounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  observe(labelValue: string, value: number): void {
    let series = this.series.get(labelValue);
    if (series === undefined) {
      series = {
        labels: { [this.labelName]: labelValue },
        counts: new Array<number>(this.upperBounds.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      this.series.set(labelValue, series);
    }
    let bucket = 0;
    while (bucket < this.upperBounds.length && value > this.upperBounds[bucket]!) bucket++;
    series.counts[bucket]!++;
    series.sum += value;
    series.count++;
  }

  reset(): void {
    this.series.clear();
  }

  /** The values with each series' label apart (prom-client's registry writes `le` first). */
  getForPromString(): Promise<MetricValues<ExportedValue>> {
    const values: ExportedValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const { labels, counts, sum, count } of this.series.values()) {
      let cumulative = 0;
      this.upperBounds.forEach((bound, index) => {
        cumulative += counts[index]!;
        values.push({
          labels: { le: bound },
          sharedLabels: labels,
          value: cumulative,
          metricName: bucketName,
          exemplar: null,
        });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: labels, value: count, metricName: bucketName, exemplar: null },
        { labels: {}, sharedLabels: labels, value: sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: labels, value: count, metricName: `${this.name}_count` },
      );
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  /** The values with all their labels together, as `Histogram.get()` gives them. */
  async get(): Promise<MetricValues> {
    const metric = await this.getForPromString();
    return {
      ...metric,
      values: metric.values.map(({ labels, sharedLabels, ...value }) => ({
        ...value,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }
}
