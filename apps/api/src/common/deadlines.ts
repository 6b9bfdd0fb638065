/** Bucket widths, widest first: a far deadline waits in a wide bucket, then in narrower ones. */
const steps = [86_400_000, 3_600_000, 60_000, 1_000];
/** The narrowest bucket: a deadline is met at most this late. */
const finestMs = 50;
/** setTimeout's ceiling: a longer wait is cut short and the buckets looked at again. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * Deadlines of many items (sockets) on one timer, instead of a timer per item. Items wait in
 * buckets by time; when a bucket's time comes, each item's deadline is read again, since it may
 * have moved (activity, a refreshed token), and the item either expires or waits in the bucket of
 * its new deadline. So moving a deadline later costs nothing until its old bucket comes. A
 * deadline days away waits in a day's bucket, then in an hour's, a minute's, a second's and
 * the last 50 ms': an item is looked at a few times in its life, never before its deadline, and
 * expires at most 50 ms after it.
 */
export class Deadlines<T> {
  /** Per bucket (the time it is looked at), its items. */
  private readonly buckets = new Map<number, Set<T>>();
  /** Each waiting item's bucket. */
  private readonly bucketOf = new Map<T, number>();
  /** The buckets' times, earliest first. */
  private readonly times: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;

  constructor(
    private readonly deadlineOf: (item: T) => number,
    private readonly expire: (item: T) => void,
  ) {}

  get size(): number {
    return this.bucketOf.size;
  }

  /** Makes the item wait for its deadline as `deadlineOf` now reads it (an earlier one too). */
  add(item: T): void {
    const now = Date.now();
    const at = bucketTime(this.deadlineOf(item), now);
    const current = this.bucketOf.get(item);
    if (current === at) return;
    if (current !== undefined) this.leave(item, current);
    let bucket = this.buckets.get(at);
    if (!bucket) {
      this.buckets.set(at, (bucket = new Set()));
      this.times.splice(insertionPoint(this.times, at), 0, at);
      if (at < this.armedFor) this.arm(now);
    }
    bucket.add(item);
    this.bucketOf.set(item, at);
  }

  /** The item no longer waits (a disconnected socket). */
  delete(item: T): void {
    const at = this.bucketOf.get(item);
    if (at !== undefined) this.leave(item, at);
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
    this.buckets.clear();
    this.bucketOf.clear();
    this.times.length = 0;
  }

  private leave(item: T, at: number): void {
    this.bucketOf.delete(item);
    const bucket = this.buckets.get(at);
    if (!bucket) return;
    bucket.delete(item);
    if (bucket.size > 0) return;
    this.buckets.delete(at);
    this.times.splice(insertionPoint(this.times, at), 1);
  }

  private arm(now: number): void {
    clearTimeout(this.timer);
    const first = this.times[0];
    if (first === undefined) {
      this.timer = undefined;
      this.armedFor = Infinity;
      return;
    }
    this.armedFor = first;
    this.timer = setTimeout(this.due, Math.min(Math.max(0, first - now), maxTimerMs));
    this.timer.unref();
  }

  private readonly due = (): void => {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = Date.now();
    for (let at = this.times[0]; at !== undefined && at <= now; at = this.times[0]) {
      this.times.shift();
      const bucket = this.buckets.get(at);
      this.buckets.delete(at);
      for (const item of bucket ?? []) {
        this.bucketOf.delete(item);
        if (this.deadlineOf(item) <= now) this.expire(item);
        else this.add(item);
      }
    }
    this.arm(now);
  };
}

/** When an item due at `deadline` is next looked at: in the widest bucket that ends before it, or just after it. */
function bucketTime(deadline: number, now: number): number {
  const remaining = deadline - now;
  for (const step of steps) {
    if (remaining >= step) return Math.floor(deadline / step) * step;
  }
  return Math.ceil(deadline / finestMs) * finestMs;
}

/** Where `value` is, or would go, in the ascending `times`. */
function insertionPoint(times: number[], value: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((times[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
