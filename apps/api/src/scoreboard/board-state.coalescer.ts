/** How a state goes out: `volatile` is dropped for a client whose connection is still busy. */
export type StateDelivery = 'reliable' | 'volatile';

export interface BoardStateCoalescerOptions<S> {
  /** The shortest time between two sends for one key. */
  intervalMs: number;
  /** The key's committed state, read now; `null` when there is nothing to send. */
  read(key: string): Promise<S | null>;
  send(key: string, state: S, delivery: StateDelivery): void;
  onError(key: string, error: unknown): void;
}

/** The open interval of one key; dropped once a whole interval passed with nothing to send. */
interface Interval<S> {
  timer?: ReturnType<typeof setTimeout>;
  /** When the interval started: the time of its key's last send. */
  startedAt: number;
  /** A change was committed since the last read started. */
  dirty: boolean;
  /** How the last scheduled send goes out. */
  lastDelivery: StateDelivery;
  /** The last state sent: re-sent reliably when the interval after a volatile send is quiet. */
  lastState?: S;
  /** Reads and sends of a key run one after another, so states leave in commit order. */
  queue: Promise<void>;
  inFlight: number;
}

/**
 * Turns "this key changed" notices into at most one state per interval and key, always read
 * from the database after the change was committed:
 * - leading edge: the first notice after a quiet interval sends at once, reliably;
 * - trailing edge: notices within an interval collapse into one read when it ends, sent
 *   volatile, so a slow client skips intermediate states instead of queueing a backlog;
 * - settling: when the interval after a volatile send stays quiet, that same (final) state is
 *   sent once more, reliably. Every client thus ends on the exact committed state, one to two
 *   intervals after the last change, and may see its `seq` twice.
 * A notice that finds its interval overdue ends it at once: a busy process may run a long chain
 * of writes without letting timers fire, and the states must keep flowing meanwhile.
 */
export class BoardStateCoalescer<S> {
  private readonly intervals = new Map<string, Interval<S>>();
  private closed = false;

  constructor(private readonly options: BoardStateCoalescerOptions<S>) {}

  /** Called after a change of `key` committed. */
  notify(key: string): void {
    if (this.closed) return;
    const open = this.intervals.get(key);
    if (open) {
      open.dirty = true;
      if (Date.now() - open.startedAt >= this.options.intervalMs) {
        clearTimeout(open.timer);
        this.intervalEnded(key, open);
      }
      return;
    }
    const interval: Interval<S> = {
      startedAt: 0,
      dirty: false,
      lastDelivery: 'reliable',
      queue: Promise.resolve(),
      inFlight: 0,
    };
    this.intervals.set(key, interval);
    this.sendFresh(key, interval, 'reliable');
    this.arm(key, interval);
  }

  /** Stops every timer; nothing is sent afterwards. */
  close(): void {
    this.closed = true;
    for (const interval of this.intervals.values()) clearTimeout(interval.timer);
    this.intervals.clear();
  }

  private arm(key: string, interval: Interval<S>): void {
    interval.startedAt = Date.now();
    interval.timer = setTimeout(() => this.intervalEnded(key, interval), this.options.intervalMs);
  }

  private intervalEnded(key: string, interval: Interval<S>): void {
    if (this.closed) return;
    if (interval.dirty) {
      interval.dirty = false;
      this.sendFresh(key, interval, 'volatile');
    } else if (interval.lastDelivery === 'volatile') {
      this.resendReliably(key, interval);
    } else if (interval.inFlight === 0) {
      this.intervals.delete(key);
      return;
    }
    this.arm(key, interval);
  }

  private sendFresh(key: string, interval: Interval<S>, delivery: StateDelivery): void {
    interval.lastDelivery = delivery;
    this.enqueue(key, interval, async () => {
      const state = await this.options.read(key);
      if (state !== null) this.deliver(key, interval, state, delivery);
    });
  }

  private resendReliably(key: string, interval: Interval<S>): void {
    interval.lastDelivery = 'reliable';
    this.enqueue(key, interval, async () => {
      if (interval.lastState !== undefined) this.deliver(key, interval, interval.lastState, 'reliable');
    });
  }

  private deliver(key: string, interval: Interval<S>, state: S, delivery: StateDelivery): void {
    if (this.closed) return;
    interval.lastState = state;
    this.options.send(key, state, delivery);
  }

  private enqueue(key: string, interval: Interval<S>, work: () => Promise<void>): void {
    interval.inFlight += 1;
    interval.queue = interval.queue
      .then(work)
      .catch((error: unknown) => {
        // Try again at the end of the interval: the final state must still go out.
        interval.dirty = true;
        this.options.onError(key, error);
      })
      .finally(() => {
        interval.inFlight -= 1;
      });
  }
}
