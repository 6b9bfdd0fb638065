import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DirectoryBroadcast, rooms } from '@tandem/contract';
import type { Namespace } from 'socket.io';
import { MetricsService } from '../metrics/metrics.service.js';
import { DomainEvents } from './domain-events.js';

/**
 * Sends every committed change to the Socket.IO room of its stream, as the event and payload the
 * change log recorded, and every directory change to those who may see the space: the one bridge
 * from domain events to the wire. Each socket is in its user's room (`rooms.user`) in every
 * namespace, which is how a private space's change reaches exactly its members.
 */
@Injectable()
export class Broadcaster implements OnModuleDestroy {
  private readonly namespaces = new Map<string, Namespace>();
  private readonly unsubscribe: (() => void)[];

  constructor(
    events: DomainEvents,
    private readonly metrics: MetricsService,
  ) {
    this.unsubscribe = [
      events.subscribe('change.committed', (change) => {
        if (change.delivery === 'latest') return; // sent as a coalesced state by its feature
        const namespace = this.namespaces.get(change.namespace);
        if (!namespace) return;
        namespace.to(change.stream).emit(change.event, change.data);
        this.metrics.countBroadcast(change.namespace);
      }),
      events.subscribe('directory.changed', ({ namespace: name, change, audience }) => {
        const namespace = this.namespaces.get(name);
        // `to([])` would mean every socket: a private space with no members left tells no one.
        if (!namespace || (audience !== 'everyone' && audience.userIds.length === 0)) return;
        const to = audience === 'everyone' ? namespace : namespace.to(audience.userIds.map(rooms.user));
        // Not counted in `broadcasts`, which counts the changes of spaces' streams.
        to.emit(DirectoryBroadcast.Changed, change);
      }),
    ];
  }

  /** Called by each gateway once its namespace exists. */
  register(namespace: Namespace): void {
    this.namespaces.set(namespace.name, namespace);
    this.metrics.countSockets(namespace.name, () => namespace.sockets.size);
  }

  /** Every namespace a gateway opened. */
  openNamespaces(): Namespace[] {
    return [...this.namespaces.values()];
  }

  /** A server-wide notice to every socket of every namespace. */
  toEveryone(event: string, data: unknown): void {
    for (const namespace of this.namespaces.values()) namespace.emit(event, data);
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }
}
