interface Runs<V> {
  current: Promise<V>;
  /** The run that starts when `current` ends, shared by every request made meanwhile. */
  queued?: Promise<V>;
}

/**
 * Runs `run(key)` for each request, except that requests for a key whose run is in flight share
 * one run queued behind it. Every caller still gets a result computed after it asked, and a burst
 * of N requests costs two runs instead of N (a thousand sockets joining one room at once used to
 * recompute the room's presence a thousand times, each over every socket of the room).
 */
export class CoalescedRuns<V> {
  private readonly runs = new Map<string, Runs<V>>();

  constructor(private readonly run: (key: string) => Promise<V>) {}

  request(key: string): Promise<V> {
    const runs = this.runs.get(key);
    if (!runs) return this.start(key);
    runs.queued ??= runs.current.then(noop, noop).then(() => this.start(key));
    return runs.queued;
  }

  private start(key: string): Promise<V> {
    const runs: Runs<V> = { current: this.run(key) };
    this.runs.set(key, runs);
    const forget = () => {
      if (this.runs.get(key) === runs && !runs.queued) this.runs.delete(key);
    };
    runs.current.then(forget, forget);
    return runs.current;
  }
}

function noop(): void {}
