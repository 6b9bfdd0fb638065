/** Called with the new value after every change. */
export type Listener<T> = (value: T) => void;

/**
 * A value that changes over time and says so: the whole contract between the core and a UI
 * (`subscribe` returns the unsubscribe). Values handed out are never mutated afterwards: every
 * change makes a new one, so a UI may keep and compare them.
 */
export class Store<T> {
  private current: T;
  private readonly listeners = new Set<Listener<T>>();

  constructor(initial: T) {
    this.current = initial;
  }

  get(): T {
    return this.current;
  }

  set(next: T): void {
    if (Object.is(next, this.current)) return;
    this.current = next;
    for (const listener of [...this.listeners]) listener(next);
  }

  update(change: (value: T) => T): void {
    this.set(change(this.current));
  }

  subscribe(listener: Listener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
