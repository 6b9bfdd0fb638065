import type { Store } from '@tandem/client';

/**
 * A core store seen as Svelte state: `current` is the store's latest (immutable) value, replaced
 * whole on every change, which is all the views need to follow it.
 */
export class Projection<T> {
  current = $state.raw<T>(undefined as T);
  readonly stop: () => void;

  constructor(store: Store<T>) {
    this.current = store.get();
    this.stop = store.subscribe((value) => (this.current = value));
  }
}
