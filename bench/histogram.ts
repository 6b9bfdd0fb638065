/**
 * A log-linear latency histogram in microseconds (64 sub-buckets per power of two: about 1.5 %
 * precision), small enough to send over IPC and merge across load-generator processes.
 */
const subBuckets = 64;
const maxExponent = 40;

export interface HistogramData {
  /** `[bucket, count]` pairs of the non-empty buckets. */
  buckets: [number, number][];
  count: number;
  sumUs: number;
  maxUs: number;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

function bucketOf(us: number): number {
  if (us < 1) return 0;
  const exponent = Math.min(Math.floor(Math.log2(us)), maxExponent - 1);
  const base = 2 ** exponent;
  const sub = Math.min(Math.floor((us / base - 1) * subBuckets), subBuckets - 1);
  return exponent * subBuckets + sub + 1;
}

function valueOf(bucket: number): number {
  if (bucket === 0) return 0;
  const exponent = Math.floor((bucket - 1) / subBuckets);
  const sub = (bucket - 1) % subBuckets;
  // The middle of the bucket.
  return 2 ** exponent * (1 + (sub + 0.5) / subBuckets);
}

export class Histogram {
  private readonly counts = new Uint32Array(maxExponent * subBuckets + 1);
  count = 0;
  sumUs = 0;
  maxUs = 0;

  record(us: number): void {
    this.counts[bucketOf(us)]++;
    this.count++;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  merge(data: HistogramData): void {
    for (const [bucket, count] of data.buckets) this.counts[bucket] += count;
    this.count += data.count;
    this.sumUs += data.sumUs;
    if (data.maxUs > this.maxUs) this.maxUs = data.maxUs;
  }

  percentileUs(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let bucket = 0; bucket < this.counts.length; bucket++) {
      seen += this.counts[bucket];
      if (seen >= rank) return Math.min(valueOf(bucket), this.maxUs);
    }
    return this.maxUs;
  }

  toJSON(): HistogramData {
    const buckets: [number, number][] = [];
    this.counts.forEach((count, bucket) => {
      if (count) buckets.push([bucket, count]);
    });
    return { buckets, count: this.count, sumUs: this.sumUs, maxUs: this.maxUs };
  }

  summary(): LatencySummary {
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      count: this.count,
      p50Ms: ms(this.percentileUs(50)),
      p99Ms: ms(this.percentileUs(99)),
      maxMs: ms(this.maxUs),
      meanMs: this.count ? ms(this.sumUs / this.count) : 0,
    };
  }

  static from(...parts: HistogramData[]): Histogram {
    const histogram = new Histogram();
    for (const part of parts) histogram.merge(part);
    return histogram;
  }
}
