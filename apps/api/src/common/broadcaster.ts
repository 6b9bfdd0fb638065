import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { MetricsService } from '../metrics/metrics.service.js';
import { DomainEvents } from './domain-events.js';

/**
 * Sends every committed change to the Socket.IO room of its stream, as the event and payload the
 * change log recorded: the one bridge from domain events to the wire for logged changes.
 */
@Injectable()
export class Broadcaster implements OnModuleDestroy {
  private readonly namespaces = new Map<string, Namespace>();
  private readonly unsubscribe: () => void;

  constructor(
    events: DomainEvents,
    private readonly metrics: MetricsService,
  ) {
    this.unsubscribe = events.subscribe('change.committed', (change) => {
      if (change.delivery === 'latest') return; // sent as a coalesced state by its feature
      const namespace = this.namespaces.get(change.namespace);
      if (!namespace) return;
      namespace.to(change.stream).emit(change.event, change.data);
      this.metrics.broadcasts.inc({ namespace: change.namespace });
    });
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
    this.unsubscribe();
  }
}
