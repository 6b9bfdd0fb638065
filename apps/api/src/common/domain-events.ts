import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { DirectoryChanged, Namespace } from '@tandem/contract';

/**
 * A committed change of an ordered stream, to be broadcast as it was logged. Services publish
 * these through the change log; the broadcaster turns them into Socket.IO events.
 */
export interface ChangeCommitted {
  namespace: Namespace;
  /** The stream's key, which is also the Socket.IO room of its subscribers. */
  stream: string;
  seq: number;
  event: string;
  data: unknown;
  /**
   * `each` (the default): the broadcaster sends this change as logged. `latest`: the stream
   * changes too often for that, and its subscribers need only its newest state; the broadcaster
   * skips it and the feature's coalescer sends a fresh state instead (the change takes a `seq`,
   * but is not recorded in the change log: a subscriber catches up with a snapshot).
   */
  delivery?: 'each' | 'latest';
}

/** A committed change of a namespace's directory of spaces, to tell the clients who may see the space. */
export interface DirectoryAnnounced {
  namespace: Namespace;
  change: DirectoryChanged;
  /** Who hears it: everyone connected to the namespace (a public space), or these users' sockets. */
  audience: 'everyone' | { userIds: string[] };
}

interface DomainEventMap {
  'change.committed': [ChangeCommitted];
  'directory.changed': [DirectoryAnnounced];
}

/** In-process domain events: services never import socket.io, they publish here. */
@Injectable()
export class DomainEvents {
  private readonly emitter = new EventEmitter<DomainEventMap>();

  publish<K extends keyof DomainEventMap>(name: K, ...payload: DomainEventMap[K]): void {
    (this.emitter.emit as (event: K, ...args: DomainEventMap[K]) => boolean)(name, ...payload);
  }

  subscribe<K extends keyof DomainEventMap>(name: K, listener: (...payload: DomainEventMap[K]) => void): () => void {
    this.emitter.on(name, listener as never);
    return () => this.emitter.off(name, listener as never);
  }
}
