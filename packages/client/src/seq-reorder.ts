/** How long a change whose predecessor is missing waits for it before a resync is asked for. */
export const reorderWaitMs = 300;

export interface SeqReorderOptions<T> {
  /** The last `seq` applied to the stream's state. */
  lastSeq: () => number;
  /** Applies the change right after `lastSeq()` (it moves `lastSeq` on). */
  apply: (change: T) => void;
  /** The gap did not fill in time: catch up with `sinceSeq` (then call `drain`). */
  resync: () => void;
  waitMs?: number;
}

/**
 * Puts one stream's broadcasts back in `seq` order. With several server nodes, two changes sent
 * from two nodes often arrive swapped by a few milliseconds: a change right after the last applied
 * one is applied at once, together with the held ones it makes contiguous; one further ahead is
 * held, and only when the gap is still open after `waitMs` is a resync asked for. A change at or
 * below the last applied one is already there, and dropped.
 */
export class SeqReorder<T extends { seq: number }> {
  private readonly held = new Map<number, T>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly waitMs: number;

  constructor(private readonly options: SeqReorderOptions<T>) {
    this.waitMs = options.waitMs ?? reorderWaitMs;
  }

  /** How many changes wait for a missing predecessor. */
  get waiting(): number {
    return this.held.size;
  }

  push(change: T): void {
    const last = this.options.lastSeq();
    if (change.seq <= last) return;
    if (change.seq > last + 1) {
      this.held.set(change.seq, change);
      this.timer ??= setTimeout(() => this.gapStayedOpen(), this.waitMs);
      return;
    }
    this.options.apply(change);
    this.drain();
  }

  /**
   * Applies the held changes that follow on from the last applied one and drops those already
   * covered; call it after a resync moved the stream on. While a gap remains, its wait goes on.
   */
  drain(): void {
    for (;;) {
      const last = this.options.lastSeq();
      for (const seq of this.held.keys()) if (seq <= last) this.held.delete(seq);
      const next = this.held.get(last + 1);
      if (!next) break;
      this.held.delete(next.seq);
      this.options.apply(next);
    }
    if (this.held.size === 0) this.stopWaiting();
    else this.timer ??= setTimeout(() => this.gapStayedOpen(), this.waitMs);
  }

  /** Forgets what is held (the stream is closed, or replaced by a snapshot). */
  clear(): void {
    this.held.clear();
    this.stopWaiting();
  }

  private gapStayedOpen(): void {
    this.timer = undefined;
    if (this.held.size > 0) this.options.resync();
  }

  private stopWaiting(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
