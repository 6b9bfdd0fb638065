import type { ConnectionState, Feature, OutboxEntry, Store } from '@tandem/client';
import type { Namespace, User } from '@tandem/contract';
import { Projection } from './projection.svelte.js';

export type { ConnectionState } from '@tandem/client';

/** What the top bar shows of a view: who is signed in, and how its connection is. */
export interface ConnectionStatus {
  readonly me: User;
  readonly connection: ConnectionState;
  readonly everConnected: boolean;
}

/**
 * What the Svelte managers share: one feature of the client core seen as Svelte state (its
 * state, its connection's status and the outbox's entries), nothing more. The views read the
 * core's state as it is (`state`); the managers add derived views and delegate every command to
 * the core.
 */
export abstract class FeatureBinding<
  N extends Namespace,
  S,
  F extends Feature<N, S> = Feature<N, S>,
> implements ConnectionStatus {
  protected readonly view: Projection<S>;
  protected readonly entries: Projection<readonly OutboxEntry[]>;
  private readonly status;

  constructor(
    protected readonly feature: F,
    outboxEntries: Store<readonly OutboxEntry[]>,
  ) {
    this.view = new Projection(feature.state);
    this.status = new Projection(feature.connection.status);
    this.entries = new Projection(outboxEntries);
  }

  /** The feature's state: an immutable snapshot, replaced whole on every change. */
  get state(): S {
    return this.view.current;
  }

  get me(): User {
    return this.feature.me;
  }

  get connection(): ConnectionState {
    return this.status.current.connection;
  }

  get everConnected(): boolean {
    return this.status.current.everConnected;
  }

  dispose(): void {
    this.view.stop();
    this.status.stop();
    this.entries.stop();
  }
}
